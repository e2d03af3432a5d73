// In a real browser: the "Add to plan" message shortcut, and the App Home board of two people.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MODULES } from '../../src/app/modules.js';
import { startHarness, type Harness } from '../support/harness.js';
import { chromiumPath, openUi, person, screenshotOnFailure, type UiSession } from './browser.js';

describe.skipIf(!chromiumPath)('the local workspace in a browser: shortcuts and the App Home', () => {
  let h: Harness;
  let s: UiSession;
  beforeAll(async () => {
    h = await startHarness({ name: 'ui-plan-home', modules: MODULES });
    s = await openUi(h);
  });
  afterAll(async () => {
    await s?.close();
    await h?.close();
  });

  it('adds a plan item from a message with the shortcut, and shows it on the Home board', async () => {
    screenshotOnFailure(s.page, 'plan-home');
    const bob = person(s.page, s.ui.url);
    await bob.visit('U0BOB', 'C0DEPLOYS');
    await bob.type('Flaky checkout test needs a retry');
    const msg = bob.message('Bob Builder', 'Flaky checkout test');
    await msg.hover();
    await msg.locator('[data-tool="react"]').click();
    await s.page.locator('.popup button', { hasText: '✅' }).click();
    await msg.locator('.reaction.mine', { hasText: '✅ 1' }).waitFor();
    await msg.hover();
    await msg.locator('[data-tool="shortcuts"]').click();
    await s.page.locator('.popup button', { hasText: 'Add to plan' }).click();
    const form = bob.modal.filter({ hasText: 'Add to plan' });
    await form.waitFor();
    expect(await form.getByLabel('Title').inputValue()).toBe('Flaky checkout test needs a retry');
    await form.getByRole('button', { name: 'Add', exact: true }).click();
    await bob.message('New plan item', 'Flaky checkout test').waitFor();

    await s.page.click('#home-link');
    const home = s.page.locator('#home');
    await home.filter({ hasText: 'Your plan' }).filter({ hasText: 'Flaky checkout test needs a retry' }).waitFor();
    expect(await home.innerText()).toContain('Hello @bob');
  });

  it('sends app_mention for a message naming the app, whose answer comes in the thread', async () => {
    screenshotOnFailure(s.page, 'app-mention');
    const bob = person(s.page, s.ui.url);
    await bob.visit('U0BOB', 'C0GENERAL');
    await bob.type('hey @bot what can you do?'); // the test workspace names its app "bot"
    const msg = bob.message('Bob Builder', 'what can you do?');
    expect(await msg.locator('.mention').innerText()).toBe('@bot');
    await msg.locator('.replies', { hasText: '1 reply' }).click();
    await s.page.locator('#thread-messages .msg', { hasText: 'I work through slash commands' }).waitFor();
  });

  it('shows each person their own Home: an approver sees the request waiting for them', async () => {
    screenshotOnFailure(s.page, 'home-approver');
    const p = person(s.page, s.ui.url);
    await p.visit('U0BOB', 'C0DEPLOYS');
    await p.type('/pipeline run demo-deploy --env production');
    await p.message('Only visible to you', 'Started run').waitFor();
    await s.page.click('#home-link');
    await s.page.locator('#home', { hasText: 'Your deployments waiting for approval' }).waitFor();
    await p.switchTo('U0CAROL');
    const home = s.page.locator('#home');
    await home.filter({ hasText: 'Hello @carol' }).filter({ hasText: 'demo-deploy' }).waitFor();
    expect(await home.innerText()).not.toContain('Hello @bob');
    expect(await home.getByRole('button', { name: 'Approve' }).count()).toBeGreaterThan(0);
  });
});
