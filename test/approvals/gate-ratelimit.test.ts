import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunDoc } from '../../src/domain/pipelines/model.js';
import { startHarness, type Harness } from '../support/harness.js';
import { FAN, seedWithFanout } from './fanout-seed.js';
import { waitFor } from '../support/redis.js';
import { approvalModules, hasButtons, RUN_CHANNEL, startRun, waitCopies, waitStage } from './support.js';

// Slack answers the approval gate's group lookup (usergroups.users.list, Tier 2) with 429 and
// Retry-After 45 s. The gate must still open: the stage waits out Retry-After and tries again,
// without using one of its attempts, instead of failing after five quick retries inside Slack's
// window. SLACK_RETRY_AFTER_SCALE shrinks Slack's 45 s to 450 ms; the code path is the one
// production runs (the shared limiter on, the stage re-queued by the executor).
const REQUESTER = 'U0BOB';

describe('an approval gate while Slack rate-limits its group lookup', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      name: 'gate-429',
      seed: seedWithFanout(),
      modules: approvalModules('test/approvals/config/fanout.yml'),
      env: { SLACK_RATE_LIMITER: 'tiers', SLACK_RETRY_AFTER_SCALE: '0.01' },
    });
  });
  afterAll(async () => {
    await h?.close();
  });

  const lookupsOf = (group: string) => h.slack.calls('usergroups.users.list').filter((c) => c.args.usergroup === group);
  const runDoc = (id: string) => h.app.ctx.store.getJson<RunDoc>(h.app.ctx.store.key('pipelines', 'run', id));

  it('tells the person Slack is busy and that nothing changed when their roles cannot be looked up', async () => {
    // A cold cache: Bob's group roles need a lookup, and Slack answers 429 with Retry-After 45.
    h.slack.failNext('usergroups.users.list', { status: 429, retryAfter: 45 });
    const res = await h.command(REQUESTER, RUN_CHANNEL, '/pipeline run gated-release --env staging');
    expect(res.text).toMatch(/Slack: busy right now, so your roles could not be checked: nothing was changed\. Try again in about \d+ s\./);
    expect(await h.app.ctx.store.setMembers(h.app.ctx.store.key('pipelines', 'active'))).toEqual([]);
    expect(await h.app.ctx.store.getJson(h.app.ctx.store.key('pipelines', 'seq'))).toBeNull();
  });

  it('opens the gate once Retry-After has passed, on the same attempt', async () => {
    // Bob's own roles are looked up (and cached) first, so the next lookup is the gate's.
    await waitFor(
      async () => /`deployer`/.test((await h.command(REQUESTER, RUN_CHANNEL, '/switchyard whoami')).text) || undefined,
      10_000,
      'the hold of the first 429 never ended',
    );
    const before = lookupsOf('S0FANOUT').length;
    h.slack.failNext('usergroups.users.list', { status: 429, retryAfter: 45 });
    const id = await startRun(h, REQUESTER, '/pipeline run gated-release --env production');

    const opened = await waitCopies(h, id, FAN, /^Approval needed/);
    for (const u of FAN) expect(hasButtons(opened.dms[u])).toBe(true);
    const stage = await waitStage(h, id, 'approve', 'waiting');
    expect(stage.summary).toMatch(/^Waiting for 2 approvals/);
    // One lookup answered 429, one after Retry-After: no quick retries inside Slack's window.
    expect(lookupsOf('S0FANOUT').length - before).toBe(2);
    // The 429 used no attempt: the gate opened on the stage's first.
    const doc = await runDoc(id);
    expect(doc?.stages.find((s) => s.id === 'approve')?.attempt).toBe(1);
    // The run thread says why the gate waited.
    const thread = h.slack.messages(RUN_CHANNEL, { includeReplies: true }).map((m) => m.text);
    expect(thread.some((t) => /approve.*busy right now \(usergroups\.users\.list is rate limited\).*not a failed attempt/.test(t))).toBe(
      true,
    );
  });
});
