import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACTION_APPROVE, ACTION_APPROVE_COMMENT, ACTION_REJECT } from '../../commands/approvals/actions.js';
import { VIEW_APPROVE, VIEW_REJECT } from '../../commands/approvals/views.js';
import { servicesOf } from '../../src/domain/services.js';
import { startHarness, type Harness } from '../support/harness.js';
import { channelDrained } from '../support/outbox.js';
import {
  approvalModules,
  copies,
  gateOf,
  hasButtons,
  openModalBy,
  press,
  runOf,
  startRun,
  waitCopies,
  waitRunStatus,
  waitStage,
} from './support.js';
import { toPlainText } from '../../src/core/outbound.js';

// Deployment approvals through the local Slack workspace, with the real pipelines module:
// production needs 2 approvals from the `approver` role (U0CAROL, U0DAVE; U0ALICE as admin).
const APPROVERS = ['U0CAROL', 'U0DAVE'];

describe('approval gates over the Slack wire', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ name: 'approvals', modules: approvalModules('test/approvals/config/approvals.yml') });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('posts the request everywhere and passes only after 2 distinct eligible approvals', async () => {
    const id = await startRun(h, 'U0BOB', '/pipeline run gated-release --env production');
    const c = await waitCopies(h, id, APPROVERS, /^Approval needed/);
    for (const m of [c.thread, c.channel, ...Object.values(c.dms)]) {
      const all = JSON.stringify(m!.blocks);
      expect(all).toContain('shop');
      expect(all).toContain('v1.2.3');
      expect(all).toContain('production');
      expect(all).toContain('<@U0BOB>');
      expect(all).toContain('Fix the cart total rounding (PR 481)');
      expect(all).toContain('https://git.example.com/shop/compare/v1.2.2...v1.2.3');
      expect(all).toContain('2 approvals from role `approver`');
      expect(all).toContain('times out after 10m');
      expect(hasButtons(m)).toBe(true);
    }
    expect(c.thread!.thread_ts).toBeDefined(); // in the run's thread, not top level
    // the requester is not asked
    expect(h.slack.messages(h.slack.dmChannel('U0BOB').id).some((m) => m.text.includes(`${id}:`))).toBe(false);

    expect(await press(h, 'U0CAROL', c.dms.U0CAROL!, ACTION_APPROVE)).toContain('1 of 2, 1 more needed');
    await waitCopies(h, id, [], /1 of 2 approvals/); // the live copies; DMs change only with the decision
    await waitStage(h, id, 'approve', 'waiting');
    // Carol again, from another copy: one person counts once.
    const again = await press(h, 'U0CAROL', c.channel!, ACTION_APPROVE);
    expect(again).toContain('each person counts once');
    expect(again).toContain('one-vote-per-person');
    expect((await gateOf(h, id)).approvals).toHaveLength(1);
    expect((await runOf(h, id))?.stages.find((s) => s.id === 'deploy')?.status).toBe('pending');

    // Dave approves with a comment through the modal.
    const viewId = await openModalBy(h, 'U0DAVE', c.dms.U0DAVE!, ACTION_APPROVE_COMMENT, VIEW_APPROVE);
    await h.slack.submitView({ user: 'U0DAVE', viewId, values: { comment: { comment: 'LGTM, watched the canary' } } });
    const run = await waitRunStatus(h, id, 'succeeded');
    const gateStage = run.stages.find((s) => s.id === 'approve')!;
    expect(gateStage.status).toBe('succeeded');
    expect(gateStage.details).toMatchObject({ decision: 'approved', policy: { name: 'production', required: 2 } });
    expect((gateStage.details!.approvals as Array<{ user: string }>).map((a) => a.user)).toEqual(['U0CAROL', 'U0DAVE']);

    const done = await waitCopies(h, id, APPROVERS, /^Approval approved/);
    for (const m of [done.thread, done.channel, ...Object.values(done.dms)]) {
      expect(hasButtons(m)).toBe(false);
      expect(JSON.stringify(m!.blocks)).toContain('LGTM, watched the canary');
    }
    const audit = await h.app.ctx.audit.query({ action: 'approval.', limit: 20 });
    const forGate = audit.filter((e) => e.target === `gate ${id}-approve`);
    expect(
      forGate
        .filter((e) => e.action === 'approval.approve' && e.outcome === 'ok')
        .map((e) => e.actor)
        .sort(),
    ).toEqual(['U0CAROL', 'U0DAVE']);
    expect(forGate.find((e) => e.action === 'approval.approved')?.detail).toContain('policy production (2 needed)');
    expect(forGate.find((e) => e.outcome === 'refused')?.detail).toContain('rule one-vote-per-person');
  });

  it('refuses the requester and non-approvers with the rule, audits them, and fails the run on a rejection with its reason', async () => {
    const id = await startRun(h, 'U0BOB', '/pipeline run gated-release --env production --ref v9.9.9');
    const c = await waitCopies(h, id, APPROVERS, /^Approval needed/);
    const self = await press(h, 'U0BOB', c.thread!, ACTION_APPROVE);
    expect(self).toContain('requester-cannot-approve');
    const grace = await press(h, 'U0GRACE', c.thread!, ACTION_APPROVE);
    expect(grace).toContain('not-an-approver');
    expect(grace).toContain('role `approver`');
    expect(await press(h, 'U0GRACE', c.thread!, ACTION_REJECT)).toContain('not-an-approver'); // no modal for her either
    expect(h.slack.views().some((v) => v.user === 'U0GRACE')).toBe(false);
    expect((await gateOf(h, id)).approvals).toHaveLength(0);
    const refused = await h.app.ctx.audit.query({ action: 'approval.', limit: 20 });
    expect(refused.find((e) => e.actor === 'U0BOB' && e.target === `gate ${id}-approve`)).toMatchObject({ outcome: 'refused' });
    expect(refused.find((e) => e.actor === 'U0GRACE' && e.target === `gate ${id}-approve`)?.detail).toContain('rule not-an-approver');

    // The approvers service (used for inspector overrides) applies the same policy.
    const run = (await runOf(h, id))!;
    const approvers = servicesOf(h.app.ctx).get('approvers');
    expect(await approvers.eligible(await h.app.ctx.access.actor('U0BOB'), run)).toEqual({ ok: false, rule: 'requester-cannot-approve' });
    expect(await approvers.eligible(await h.app.ctx.access.actor('U0CAROL'), run)).toEqual({ ok: true });

    // Dave keeps his `/pipeline approvals` list open: its buttons go stale once Carol decides.
    const list = await h.command('U0DAVE', 'C0GENERAL', '/pipeline approvals');
    expect(JSON.stringify(list.reply?.blocks)).toContain(`gated-release ${id}:`);

    const viewId = await openModalBy(h, 'U0CAROL', c.channel!, ACTION_REJECT, VIEW_REJECT);
    const empty = await h.slack.submitView({ user: 'U0CAROL', viewId, values: { reason: { reason: '   ' } } });
    expect(JSON.stringify(empty.json)).toContain('Give a reason');
    expect((await gateOf(h, id)).status).toBe('pending');
    await h.slack.submitView({
      user: 'U0CAROL',
      viewId,
      values: { reason: { reason: 'Payments freeze <!channel> until the audit ends' } },
    });
    const failed = await waitRunStatus(h, id, 'failed');
    expect(failed.stages.find((s) => s.id === 'approve')?.summary).toContain('Payments freeze &lt;!channel&gt; until the audit ends');
    expect(failed.stages.find((s) => s.id === 'deploy')?.status).toBe('skipped');
    const done = await waitCopies(h, id, APPROVERS, /^Approval rejected/);
    for (const m of [done.thread, done.channel, ...Object.values(done.dms)]) {
      expect(hasButtons(m)).toBe(false);
      expect(JSON.stringify(m!.blocks)).toContain('Payments freeze &lt;!channel&gt; until the audit ends');
    }
    const runMsg = await h.slack.waitFor(() =>
      h.slack.messages('C0DEPLOYS').find((m) => m.text.startsWith(`gated-release ${id} → `) && m.text.includes('failed')),
    );
    expect(JSON.stringify(runMsg.blocks)).toContain('Payments freeze');
    expect(JSON.stringify(runMsg.blocks)).toContain('Rejected by <@U0CAROL>: Payments freeze &lt;!channel&gt; until'); // escaped once
    // A press on a stale copy of the decided request changes nothing.
    const before = h.slack.ephemerals('U0DAVE').length;
    await h.slack.pressButton({
      user: 'U0DAVE',
      channel: 'C0GENERAL',
      ts: list.reply!.ts,
      actionId: ACTION_APPROVE,
      value: `${id}-approve`,
    });
    const stale = await h.slack.waitFor(() =>
      h.slack
        .ephemerals('U0DAVE')
        .slice(before)
        .find((e) => e.text.includes('already')),
    );
    expect(stale.text).toContain('already rejected');
    expect((await gateOf(h, id)).approvals).toHaveLength(0);
  });

  it('reminds approvers, then expires the gate and fails the run', async () => {
    const id = await startRun(h, 'U0BOB', '/pipeline run quick-release --env production');
    // On a loaded machine the short timer may beat the first look: either state is a posted copy.
    const c = await waitCopies(h, id, APPROVERS, /^Approval (needed|expired)/);
    const reminder = await h.slack.waitFor(
      () => h.slack.messages(h.slack.dmChannel('U0DAVE').id, { threadTs: c.dms.U0DAVE!.ts }).find((m) => m.text.includes('Reminder')),
      { timeoutMs: 8000, message: 'no reminder DM' },
    );
    expect(reminder.text).toContain(`quick-release ${id}`);
    const failed = await waitRunStatus(h, id, 'failed', 10_000);
    expect(failed.stages.find((s) => s.id === 'approve')?.summary).toContain('Approval expired: 0 of 1');
    const done = await waitCopies(h, id, APPROVERS, /^Approval expired/);
    expect(hasButtons(done.channel)).toBe(false);
    const audit = await h.app.ctx.audit.query({ action: 'approval.expire', limit: 10 });
    expect(audit.find((e) => e.target === `gate ${id}-approve`)?.detail).toContain('policy quick');
  });

  it('expires on time even when the bot and its workers restart while the gate waits', async () => {
    const id = await startRun(h, 'U0BOB', '/pipeline run quick-release --env production --ref timer-restart');
    await waitCopies(h, id, APPROVERS, /^Approval (needed|expired)/);
    await h.restart();
    const failed = await waitRunStatus(h, id, 'failed', 10_000);
    expect(failed.stages.find((s) => s.id === 'approve')?.summary).toContain('Approval expired');
    await waitCopies(h, id, APPROVERS, /^Approval expired/);
  });

  it('counts simultaneous presses once: a double click and three approvers racing for two places', async () => {
    const id = await startRun(h, 'U0BOB', '/pipeline run gated-release --env production --ref v2.0.0');
    const c = await waitCopies(h, id, APPROVERS, /^Approval needed/);
    // Slack gets its ack at once and the bot decides afterwards: wait for every presser's answer.
    const answers = (user: string, n: number, from: number) =>
      h.slack.waitFor(() => (h.slack.ephemerals(user).length - from >= n ? h.slack.ephemerals(user).slice(from) : undefined), {
        message: `${user} got fewer than ${n} answers`,
      });
    const carol0 = h.slack.ephemerals('U0CAROL').length;
    const dave0 = h.slack.ephemerals('U0DAVE').length;
    const alice0 = h.slack.ephemerals('U0ALICE').length;
    await Promise.all([
      h.slack.pressButton({ user: 'U0CAROL', channel: c.dms.U0CAROL!.channel, ts: c.dms.U0CAROL!.ts, actionId: ACTION_APPROVE }),
      h.slack.pressButton({ user: 'U0CAROL', channel: c.channel!.channel, ts: c.channel!.ts, actionId: ACTION_APPROVE }),
      h.slack.pressButton({ user: 'U0CAROL', channel: c.thread!.channel, ts: c.thread!.ts, actionId: ACTION_APPROVE }),
    ]);
    const carol = await answers('U0CAROL', 3, carol0);
    expect(carol.filter((e) => e.text.includes('1 of 2'))).toHaveLength(1);
    expect(carol.filter((e) => e.text.includes('one-vote-per-person'))).toHaveLength(2);
    expect((await gateOf(h, id)).approvals.map((a) => a.user)).toEqual(['U0CAROL']);
    expect((await gateOf(h, id)).status).toBe('pending');

    await Promise.all([
      h.slack.pressButton({ user: 'U0DAVE', channel: c.dms.U0DAVE!.channel, ts: c.dms.U0DAVE!.ts, actionId: ACTION_APPROVE }),
      h.slack.pressButton({ user: 'U0ALICE', channel: c.channel!.channel, ts: c.channel!.ts, actionId: ACTION_APPROVE }),
      h.slack.pressButton({ user: 'U0DAVE', channel: c.channel!.channel, ts: c.channel!.ts, actionId: ACTION_APPROVE }),
    ]);
    const raced = [...(await answers('U0DAVE', 2, dave0)), ...(await answers('U0ALICE', 1, alice0))].map((e) => e.text);
    expect(raced.filter((t) => t.includes('last approval needed'))).toHaveLength(1);
    expect(raced.filter((t) => t.includes('already approved') || t.includes('one-vote-per-person'))).toHaveLength(2);
    const g = await gateOf(h, id);
    expect(g.status).toBe('approved');
    expect(g.approvals).toHaveLength(2);
    expect(new Set(g.approvals.map((a) => a.user)).size).toBe(2);
    const run = await waitRunStatus(h, id, 'succeeded');
    expect(run.stages.find((s) => s.id === 'deploy')?.status).toBe('succeeded');
    // Every press has been answered, so any settle note is queued: wait until the channel's outbox is through it.
    await channelDrained(h, 'C0DEPLOYS');
    const notes = h.slack.messages('C0DEPLOYS', { includeReplies: true }).filter((m) => m.text.includes(`gate \`${id}-approve\``));
    expect(notes).toHaveLength(1);
    const ok = (await h.app.ctx.audit.query({ action: 'approval.approve', limit: 50 })).filter(
      (e) => e.action === 'approval.approve' && e.target === `gate ${id}-approve` && e.outcome === 'ok',
    );
    expect(ok).toHaveLength(2);
  });

  it('closes an open gate when its run is cancelled: buttons gone, nothing left waiting', async () => {
    const id = await startRun(h, 'U0BOB', '/pipeline run gated-release --env production --ref to-cancel');
    await waitCopies(h, id, APPROVERS, /^Approval needed/);
    await waitStage(h, id, 'approve', 'waiting');
    await h.command('U0BOB', 'C0DEPLOYS', `/pipeline cancel ${id}`);
    await waitRunStatus(h, id, 'cancelled');
    const done = await waitCopies(h, id, APPROVERS, /^Approval cancelled/);
    expect(hasButtons(done.channel)).toBe(false);
    expect((await h.command('U0DAVE', 'C0GENERAL', '/pipeline approvals')).text).toContain('No approval requests');
    expect((await gateOf(h, id)).status).toBe('cancelled');
    const audit = await h.app.ctx.audit.query({ action: 'approval.cancel' });
    expect(audit.find((e) => e.target === `gate ${id}-approve`)?.detail).toContain('the run was cancelled');
    expect(hasButtons(copies(h, id, APPROVERS).dms.U0DAVE)).toBe(false);
  });

  it('keeps a pending gate working across a restart: lists, App Home, buttons and the run', async () => {
    const id = await startRun(h, 'U0BOB', '/pipeline run gated-release --env production --ref v3.0.0');
    const c = await waitCopies(h, id, APPROVERS, /^Approval needed/);
    await press(h, 'U0CAROL', c.channel!, ACTION_APPROVE);
    await h.restart();

    const list = await h.command('U0DAVE', 'C0GENERAL', '/pipeline approvals');
    expect(list.text).toContain('1 approval request waiting for you');
    expect(JSON.stringify(list.reply?.blocks)).toContain(`gated-release ${id}: shop v3.0.0 to production`);
    expect((await h.command('U0CAROL', 'C0GENERAL', '/pipeline approvals')).text).toContain('No approval requests'); // voted already
    expect((await h.command('U0BOB', 'C0GENERAL', '/pipeline approvals')).text).toContain('No approval requests'); // the requester

    await h.slack.appHomeOpened('U0DAVE');
    // Dave's Home was published when the gate opened and (to spare views.publish) not on Carol's
    // vote: opening it re-publishes it with the current count.
    const home = await h.slack.waitFor(() => {
      const v = h.slack.homeView('U0DAVE');
      const shown = v ? JSON.stringify(v.blocks) : '';
      return shown.includes(`gated-release ${id}`) && shown.includes('1 of 2 approvals') ? v : undefined;
    });
    expect(JSON.stringify(home.blocks)).toContain('1 of 2 approvals');
    await h.slack.appHomeOpened('U0BOB');
    const bobHome = await h.slack.waitFor(() => {
      const v = h.slack.homeView('U0BOB');
      return v && JSON.stringify(v.blocks).includes(`gated-release ${id}`) ? v : undefined;
    });
    expect(JSON.stringify(bobHome.blocks)).toContain('Your deployments waiting for approval');
    expect(JSON.stringify(bobHome.blocks)).not.toContain('"type":"button"'); // nothing for him to press
    await h.slack.pressButton({ user: 'U0DAVE', viewId: home.id, actionId: ACTION_APPROVE, value: `${id}-approve` });

    const run = await waitRunStatus(h, id, 'succeeded');
    expect(toPlainText(run.stages.find((s) => s.id === 'approve')?.summary ?? '')).toContain('<@U0CAROL>, <@U0DAVE>');
    const done = await waitCopies(h, id, APPROVERS, /^Approval approved/);
    expect(hasButtons(done.dms.U0DAVE)).toBe(false);
    expect(copies(h, id, APPROVERS).thread?.text).toMatch(/^Approval approved/);
    // Both homes are re-published once the gate is decided.
    await h.slack.waitFor(() => !JSON.stringify(h.slack.homeView('U0DAVE')?.blocks).includes(`gated-release ${id}`));
    await h.slack.waitFor(() => !JSON.stringify(h.slack.homeView('U0BOB')?.blocks).includes(`gated-release ${id}`));
  });
});
