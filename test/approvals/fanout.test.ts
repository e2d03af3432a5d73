import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { homeFingerprint } from '../../src/core/home.js';
import { ACTION_APPROVE } from '../../commands/approvals/actions.js';
import { startHarness, type Harness } from '../support/harness.js';
import { FAN, seedWithFanout } from './fanout-seed.js';
import { approvalModules, copies, hasButtons, press, startRun, waitCopies, waitRunStatus } from './support.js';

// The Slack API budget of one gate, counted on the wire: a 2-of-20 production gate used to make
// 47 chat.update and 63 views.publish. Twenty approvers in a group added to the local workspace.
const REQUESTER = 'U0BOB';

describe('approval fan-out within the Slack API budget', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ name: 'fanout', seed: seedWithFanout(), modules: approvalModules('test/approvals/config/fanout.yml') });
  });
  afterAll(async () => {
    await h?.close();
  });

  const isCopyOf = (id: string) => (c: { args: Record<string, unknown> }) =>
    new RegExp(`^Approval \\w+: gated-release ${id}: `).test(String(c.args.text ?? ''));
  const homeShows = (user: string, id: string) => JSON.stringify(h.slack.homeView(user)?.blocks ?? []).includes(`gated-release ${id}`);
  const publishesTo = (user: string, from: number) =>
    h.slack
      .calls('views.publish')
      .slice(from)
      .filter((c) => c.args.user_id === user).length;

  it('posts each DM once, updates it only with the decision, and publishes each Home at most twice', async () => {
    const updates0 = h.slack.calls('chat.update').length;
    const posts0 = h.slack.calls('chat.postMessage').length;
    const publishes0 = h.slack.calls('views.publish').length;
    const dmChannels = new Set(FAN.map((u) => h.slack.dmChannel(u).id));

    const id = await startRun(h, REQUESTER, '/pipeline run gated-release --env production');
    const opened = await waitCopies(h, id, FAN, /^Approval needed/);
    for (const u of FAN) expect(hasButtons(opened.dms[u])).toBe(true);
    // A DM is not updated per vote, so it names what is needed and where progress shows, not a count.
    expect(opened.dms[FAN[0]!]!.text).toMatch(/2 approvals needed\.$/);
    expect(JSON.stringify(opened.dms[FAN[0]!]!.blocks)).toContain('The run thread and <#C0APPROVALS> show the progress');
    await h.slack.waitFor(() => [REQUESTER, ...FAN].every((u) => homeShows(u, id)), { timeoutMs: 15_000 });

    // First vote, from a DM copy: the live request (thread and approval channel) shows progress.
    expect(await press(h, FAN[0]!, opened.dms[FAN[0]!]!, ACTION_APPROVE)).toContain('1 of 2, 1 more needed');
    const live = await waitCopies(h, id, [], /1 of 2 approvals/);
    expect(hasButtons(live.thread)).toBe(true);
    expect(hasButtons(live.channel)).toBe(true);
    // The voter's Home drops the request; the requester's shows the progress.
    await h.slack.waitFor(() => !homeShows(FAN[0]!, id));
    await h.slack.waitFor(() => JSON.stringify(h.slack.homeView(REQUESTER)?.blocks).includes('1 of 2'));
    // A DM copy still carries working buttons: the second approval, pressed in a DM, decides.
    const stillOpen = copies(h, id, [FAN[7]!]).dms[FAN[7]!]!;
    expect(hasButtons(stillOpen)).toBe(true);
    expect(await press(h, FAN[7]!, stillOpen, ACTION_APPROVE)).toContain('the last approval needed');

    await waitRunStatus(h, id, 'succeeded');
    const done = await waitCopies(h, id, FAN, /^Approval approved/);
    for (const m of [done.thread, done.channel, ...Object.values(done.dms)]) {
      expect(hasButtons(m)).toBe(false);
      expect(JSON.stringify(m!.blocks)).toContain('*Approved* by');
    }
    await h.slack.waitFor(() => [REQUESTER, ...FAN].every((u) => !homeShows(u, id)), { timeoutMs: 15_000 });

    // The bill, from gate open to decision.
    const posted = h.slack.calls('chat.postMessage').slice(posts0).filter(isCopyOf(id));
    expect(posted.length).toBe(22); // thread, approval channel, 20 DMs: each once
    const updated = h.slack.calls('chat.update').slice(updates0).filter(isCopyOf(id));
    const dmUpdates = updated.filter((c) => dmChannels.has(String(c.args.channel)));
    expect(dmUpdates.length).toBe(20); // one per DM: the decision
    expect(dmUpdates.every((c) => /^Approval approved/.test(String(c.args.text)))).toBe(true);
    expect(updated.length - dmUpdates.length).toBeLessThanOrEqual(6); // thread and channel: per vote and the decision
    expect(updated.length).toBeLessThan(47);
    // Homes: shown when the gate opened, cleared when decided; the voter's and the requester's on a vote.
    for (const u of FAN) expect(publishesTo(u, publishes0)).toBeLessThanOrEqual(2);
    expect(publishesTo(REQUESTER, publishes0)).toBeLessThanOrEqual(3);
    expect(h.slack.calls('views.publish').length - publishes0).toBeLessThanOrEqual(2 * FAN.length + 3);
  });

  it('re-publishes a Home only when it changed, and coalesces a burst of refreshes into one publish', async () => {
    const id = await startRun(h, REQUESTER, '/pipeline run gated-release --env production --ref v9.9.9');
    const c = await waitCopies(h, id, FAN, /^Approval needed/);
    const watcher = FAN[12]!;
    await h.slack.waitFor(() => homeShows(watcher, id), { timeoutMs: 15_000 });
    await press(h, FAN[3]!, c.dms[FAN[3]!]!, ACTION_APPROVE);
    await waitCopies(h, id, [], /1 of 2 approvals/);

    // The watcher's Home still shows 0 of 2 (not re-published on others' votes); a burst of ten
    // refreshes publishes the new count once.
    const before = h.slack.calls('views.publish').length;
    await Promise.all(Array.from({ length: 10 }, () => h.app.ctx.home.refresh(watcher)));
    expect(publishesTo(watcher, before)).toBe(1);
    expect(JSON.stringify(h.slack.homeView(watcher)?.blocks)).toContain('1 of 2 approvals');
    // Nothing changed since: another refresh (another process would read the same fingerprint) publishes nothing.
    await h.app.ctx.home.refresh(watcher);
    expect(publishesTo(watcher, before)).toBe(1);

    // Opening the Home publishes when the content changed: the requester's progress after a vote.
    await h.slack.appHomeOpened(watcher);
    await h.slack.waitFor(() => homeShows(watcher, id));
  });

  it('publishes the Home of a user who opens it while Slack holds none, whatever the store remembers', async () => {
    // As after a reinstall, or a dev workspace restarted on the same Redis: a fingerprint, no Home.
    const user = 'U0GRACE';
    expect(h.slack.homeView(user)).toBeUndefined();
    const { store } = h.app.ctx;
    await store.setJson(store.key('home', 'published', user), homeFingerprint(await h.app.ctx.home.render(user)));
    await h.slack.appHomeOpened(user);
    const home = await h.slack.waitFor(() => h.slack.homeView(user));
    expect(JSON.stringify(home.blocks)).toContain('This tab shows what waits for you');
  });
});
