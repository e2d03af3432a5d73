// In a real browser: an incident declared from the modal, its channel appearing in the sidebar,
// acknowledged and resolved by buttons (with the confirm dialog and the resolve form's errors).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MODULES } from '../../src/app/modules.js';
import { startHarness, type Harness } from '../support/harness.js';
import { chromiumPath, openUi, person, screenshotOnFailure, type UiSession } from './browser.js';

describe.skipIf(!chromiumPath)('the local workspace in a browser: incidents', () => {
  let h: Harness;
  let s: UiSession;
  beforeAll(async () => {
    h = await startHarness({ name: 'ui-incident', modules: MODULES });
    s = await openUi(h);
  });
  afterAll(async () => {
    await s?.close();
    await h?.close();
  });

  it('declares from the modal, opens the new channel, acknowledges and resolves through the confirm dialog', async () => {
    screenshotOnFailure(s.page, 'incident');
    const erin = person(s.page, s.ui.url);
    await erin.visit('U0ERIN', 'C0INCIDENTS');
    await erin.type('/incident declare');
    await erin.modal.filter({ hasText: 'Declare an incident' }).waitFor();
    await erin.modal.getByRole('button', { name: 'Declare', exact: true }).click();
    await erin.modal.locator('[data-error-for="title"]', { hasText: 'required' }).waitFor(); // the client refuses an empty title
    await erin.modal.getByLabel('Title').fill('Checkout latency');
    await erin.modal.getByLabel('Severity').selectOption('SEV2');
    await erin.modal.getByRole('button', { name: 'Declare', exact: true }).click();
    await erin.modal.waitFor({ state: 'detached' });

    const sidebarEntry = s.page.locator('#channel-list .side-item', { hasText: /inc-/ });
    await sidebarEntry.waitFor();
    await sidebarEntry.click();
    const card = erin.message('INC-1: Checkout latency', 'Severity');
    await card.getByRole('button', { name: 'Acknowledge' }).waitFor();
    expect(await card.innerText()).toContain('SEV2');

    await erin.press(card, 'Acknowledge');
    await card.filter({ hasNotText: 'not yet' }).getByRole('button', { name: 'Resolve' }).waitFor();
    expect(await card.getByRole('button', { name: 'Acknowledge' }).count()).toBe(0);

    await erin.press(card, 'Resolve');
    await s.page.locator('#dialog-layer .dialog', { hasText: 'Resolving stops reminders' }).waitFor();
    await erin.confirm('Resolve');
    const form = erin.modal.filter({ hasText: 'Resolution summary' });
    await form.waitFor();
    await form.getByLabel('Resolution summary').fill('   ');
    await form.getByRole('button', { name: 'Resolve', exact: true }).click();
    // The bot answers response_action: errors; the page shows it under the input and keeps the modal open.
    await form.locator('[data-error-for="resolution"]', { hasText: 'Say how it was resolved.' }).waitFor();
    await form.getByLabel('Resolution summary').fill('Rolled back the slow release');
    await form.getByRole('button', { name: 'Resolve', exact: true }).click();
    await erin.modal.waitFor({ state: 'detached' });
    await card.filter({ hasText: 'Rolled back the slow release' }).waitFor();
    expect(await card.getByRole('button', { name: 'Resolve' }).count()).toBe(0);
  });
});
