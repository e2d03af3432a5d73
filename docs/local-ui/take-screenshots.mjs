// Retakes the screenshots in this folder from a fresh `npm start` (empty DATA_DIR and Redis prefix):
//   DATA_DIR=$(mktemp -d) REDIS_PREFIX=shots-$RANDOM LOCAL_UI_PORT=3402 npm start   # in one terminal
//   node docs/local-ui/take-screenshots.mjs http://127.0.0.1:3402/                 # in another
// Needs Debian's chromium (or CHROMIUM_PATH) and, for colour emoji, fonts-noto-color-emoji.
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const D = fileURLToPath(new URL('./', import.meta.url));
const base = process.argv[2] ?? 'http://127.0.0.1:3001/';
const b = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox'] });
const p = await b.newPage({ viewport: { width: 1280, height: 760 } });
p.setDefaultTimeout(20000);
p.on('pageerror', (e) => console.error('page error:', e.message));
const as = async (u) => {
  await p.selectOption('#user-switch', u);
  await p.locator(`body[data-user="${u}"]`).waitFor();
};
const chan = async (l) => {
  await p.locator('#sidebar .side-item', { hasText: l }).first().click();
  await p.locator('#channel-header .channel-title', { hasText: l }).waitFor();
};
const type = async (t) => {
  await p.fill('#message-input', t);
  await p.press('#message-input', 'Enter');
};
await p.goto(`${base}?user=U0BOB&channel=C0DEPLOYS`);
await p.waitForSelector('body[data-ready]');
await type('/pipeline run demo-deploy --env staging');
await p.locator('.msg', { hasText: 'succeeded ·' }).waitFor();
await p.fill('#message-input', '/pipeline ');
await p.waitForTimeout(300);
await p.screenshot({ path: D + 'run-card-and-autocomplete.png' });
await p.fill('#message-input', '');
await p.locator('.replies').first().click();
await p.locator('#thread .msg').first().waitFor();
await p.waitForTimeout(300);
await p.screenshot({ path: D + 'thread.png' });
await p.click('#thread-close');
await type('/pipeline run demo-deploy --env production');
await p.locator('.msg', { hasText: 'Started run r2' }).waitFor();
await as('U0CAROL');
await chan('approvals');
const req = p.locator('.msg', { hasText: 'Approval needed' });
await req.getByRole('button', { name: 'Approve', exact: true }).click();
await req.filter({ hasText: '1 of 2' }).waitFor();
await req
  .getByRole('button', { name: 'Reject', exact: true })
  .click()
  .catch(() => {});
await p.waitForTimeout(500);
await p.screenshot({ path: D + 'approval-and-confirm.png' });
const deny = p.locator('#dialog-layer [data-dialog=deny]');
if (await deny.count()) await deny.click();
await as('U0DAVE');
await p.click('#home-link');
await p.locator('#home', { hasText: 'Approvals waiting for you' }).waitFor();
await p.waitForTimeout(300);
await p.screenshot({ path: D + 'app-home.png' });
await as('U0ERIN');
await chan('incidents');
await type('/incident declare');
const modal = p.locator('#modal-layer .modal');
await modal.waitFor();
await modal.getByLabel('Title').fill('Checkout latency');
await modal.getByLabel('Severity').selectOption('SEV2');
await modal.getByLabel('What is happening').fill('p99 of /checkout above 2 s since 14:05');
await p.screenshot({ path: D + 'declare-modal.png' });
await modal.getByRole('button', { name: 'Declare', exact: true }).click();
await modal.waitFor({ state: 'detached' });
const inc = p.locator('#channel-list .side-item', { hasText: /inc-/ });
await inc.waitFor();
await inc.click();
await p.locator('.msg', { hasText: 'Acknowledge' }).first().waitFor();
await p.waitForTimeout(500);
await p.screenshot({ path: D + 'incident-channel.png' });
await b.close();
