// In a real browser: the demo pipeline to staging (its card edited in place), and the production
// gate approved by two approvers switching users, the requester refused.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MODULES } from '../../src/app/modules.js';
import { startHarness, type Harness } from '../support/harness.js';
import { chromiumPath, openUi, person, screenshotOnFailure, type UiSession } from './browser.js';

describe.skipIf(!chromiumPath)('the local workspace in a browser: deploys', () => {
  let h: Harness;
  let s: UiSession;
  beforeAll(async () => {
    h = await startHarness({ name: 'ui-deploy', modules: MODULES });
    s = await openUi(h);
  });
  afterAll(async () => {
    await s?.close();
    await h?.close();
  });

  it('runs the demo pipeline to staging: one card, edited in place until it succeeds', async () => {
    screenshotOnFailure(s.page, 'deploy-staging');
    const bob = person(s.page, s.ui.url);
    await bob.visit('U0BOB', 'C0DEPLOYS');
    await s.page.fill('#message-input', '/pi');
    const hint = s.page.locator('#autocomplete .completion', { hasText: '/pipeline' });
    expect(await hint.innerText()).toContain('list|run|live|history|approvals'); // the manifest's usage hint
    await s.page.press('#message-input', 'Tab');
    await s.page.type('#message-input', 'ru');
    const run = s.page.locator('#autocomplete .completion', { hasText: '/pipeline run' });
    expect(await run.innerText()).toMatch(/^\/pipeline run\b/);
    await run.click();
    expect(await s.page.inputValue('#message-input')).toBe('/pipeline run ');
    await bob.type('/pipeline run demo-deploy --env staging');
    await bob.message('Only visible to you', 'Started run').waitFor();
    const card = bob.message('demo-deploy', '→ staging');
    await card.filter({ hasText: 'succeeded ·' }).waitFor();
    expect(await card.count()).toBe(1);
    const text = await card.innerText();
    expect(text).toContain('(edited)');
    expect(text).toMatch(/deploy\s+shell\s+succeeded/);
    expect(text).toMatch(/approve\s+approval\s+skipped/);

    // Its thread opens in the side panel; a reply stays there, out of the channel.
    await card.locator('.replies').click();
    const thread = s.page.locator('#thread-messages');
    await thread.locator('.msg', { hasText: 'succeeded after' }).waitFor();
    await s.page.fill('#thread-input', 'nice, thanks');
    await s.page.press('#thread-input', 'Enter');
    await thread.locator('.msg', { hasText: 'nice, thanks' }).waitFor();
    expect(await bob.message('nice, thanks').count()).toBe(0);
  });

  it('gates production on two approvers: the requester is refused, Carol and Dave approve from #approvals', async () => {
    screenshotOnFailure(s.page, 'deploy-production-gate');
    const p = person(s.page, s.ui.url);
    await p.visit('U0BOB', 'C0DEPLOYS');
    await p.type('/pipeline run demo-deploy --env production');
    await p.openChannel('approvals');
    const request = p.message('Approval needed', 'production');
    await request.filter({ hasText: '0 of 2' }).waitFor();

    await p.press(request, 'Approve');
    const refusal = p.message('Only visible to you', 'cannot approve');
    await refusal.waitFor();
    expect(await request.innerText()).toContain('0 of 2');

    await p.switchTo('U0CAROL');
    expect(await p.message('cannot approve').count()).toBe(0); // Bob's ephemeral is Bob's alone
    await p.press(request, 'Approve');
    await request.filter({ hasText: '1 of 2' }).waitFor();

    await p.switchTo('U0DAVE');
    await p.press(request, 'Approve');
    await request.filter({ hasText: 'Approved' }).waitFor();

    await p.switchTo('U0BOB');
    await p.openChannel('deploys');
    const card = p.message('demo-deploy', '→ production');
    await card.filter({ hasText: 'succeeded ·' }).waitFor({ timeout: 20_000 });
    expect(await card.count()).toBe(1);
    expect(await card.innerText()).toMatch(/deploy\s+shell\s+succeeded/);
  });
});
