// Drives the local workspace's page in a real headless Chromium (Debian's `chromium` package,
// through playwright-core: browsers cannot be downloaded here). Outside CI, a machine without
// Chromium skips these tests loudly; in CI (CI=true) a missing Chromium fails them.
import { existsSync, mkdirSync } from 'node:fs';
import { chromium } from 'playwright-core';
import type { Browser, Locator, Page } from 'playwright-core';
import { onTestFailed } from 'vitest';
import { startLocalUi } from '../../src/local-slack/ui/server.js';
import type { LocalUi } from '../../src/local-slack/ui/server.js';
import type { Harness } from '../support/harness.js';

/** CHROMIUM_PATH, when set, is the only candidate (so a missing browser can be tried out). */
const CANDIDATES = process.env.CHROMIUM_PATH
  ? [process.env.CHROMIUM_PATH]
  : ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

export const chromiumPath = CANDIDATES.find((p): p is string => Boolean(p && existsSync(p)));

if (!chromiumPath) {
  if (process.env.CI === 'true')
    throw new Error('Chromium is missing: .ci/run installs Debian\'s "chromium"; the browser tests need it in CI');
  process.stderr.write(
    '\n!!! SKIPPING the browser tests (test/local-ui): no Chromium found (apt-get install chromium, or set CHROMIUM_PATH) !!!\n\n',
  );
}

export interface UiSession {
  ui: LocalUi;
  browser: Browser;
  page: Page;
  close(): Promise<void>;
}

export async function openUi(h: Harness): Promise<UiSession> {
  const ui = await startLocalUi(h.slack, { port: 0 });
  const browser = await chromium.launch({ executablePath: chromiumPath!, args: ['--no-sandbox', '--disable-gpu'] });
  const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
  page.setDefaultTimeout(15_000);
  page.on('pageerror', (e) => process.stderr.write(`[page error] ${e.message}\n`));
  return {
    ui,
    browser,
    page,
    async close() {
      await browser.close();
      await ui.close();
    },
  };
}

/** Saves what the browser showed when a test failed, under .switchyard/ui-failures/. */
export function screenshotOnFailure(page: Page, name: string): void {
  onTestFailed(async () => {
    mkdirSync('.switchyard/ui-failures', { recursive: true });
    const path = `.switchyard/ui-failures/${name.replace(/[^a-z0-9-]+/gi, '-')}.png`;
    await page.screenshot({ path, fullPage: true }).catch(() => undefined);
    process.stderr.write(`[browser test] screenshot of the failure: ${path}\n`);
  });
}

/** What a person does on the page, in their words. */
export function person(page: Page, base: string) {
  const messages = page.locator('#messages');
  return {
    async visit(user: string, channel = 'C0GENERAL') {
      await page.goto(`${base}?user=${user}&channel=${channel}`);
      await page.waitForSelector('body[data-ready]');
    },
    async switchTo(user: string) {
      await page.selectOption('#user-switch', user);
      await page.locator(`body[data-user="${user}"]`).waitFor();
    },
    async openChannel(label: string) {
      await page.locator('#sidebar .side-item', { hasText: label }).first().click();
      await page.locator('#channel-header .channel-title', { hasText: label }).waitFor();
    },
    async type(text: string) {
      await page.fill('#message-input', text);
      await page.press('#message-input', 'Enter');
    },
    /** The message (in the open channel) that shows all these texts. */
    message(...texts: string[]): Locator {
      let loc = messages.locator('.msg');
      for (const t of texts) loc = loc.filter({ hasText: t });
      return loc;
    },
    async press(message: Locator, button: string) {
      await message.getByRole('button', { name: button, exact: true }).click();
    },
    /** Clicks the confirm dialog's button (Slack's `confirm` object). */
    async confirm(button: string) {
      await page.locator('#dialog-layer .dialog').waitFor();
      await page.locator('#dialog-layer').getByRole('button', { name: button, exact: true }).click();
    },
    modal: page.locator('#modal-layer .modal'),
  };
}
