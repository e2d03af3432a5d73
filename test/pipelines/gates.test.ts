import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { servicesOf } from '../../src/domain/services.js';
import { startHarness, type Harness } from '../support/harness.js';
import { companionsModule, recordedEvents, runIdOf, runMessage, testPipelines, threadTexts, waitRunText } from './support.js';

// Stages that wait for someone (gates) and deploy guards (freezes), with a test-only `hold` kind
// and guard standing in for the approvals and incidents capabilities.
describe('waiting stages and deploy guards', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ name: 'pipelines-gates', modules: [testPipelines(), companionsModule] });
  });
  afterAll(async () => {
    await h?.close();
  });
  const svc = () => servicesOf(h.app.ctx).get('pipelines');

  it('leaves a run waiting at a gate until resolveWaitingStage, then carries on', async () => {
    const id = runIdOf((await h.command('U0BOB', 'C0DEPLOYS', '/pipeline run gated-deploy --env production')).text);
    const waiting = await waitRunText(h, 'C0DEPLOYS', id, /: waiting/);
    expect(waiting.text).toContain('gate waiting');
    expect(waiting.text).toContain('deploy pending');
    expect(JSON.stringify(waiting.blocks)).toContain('production needs a decision');
    await h.slack.waitFor(() => threadTexts(h, 'C0DEPLOYS', id).find((t) => t.includes('*gate* is waiting')));
    const inProgress = await h.command('U0GRACE', 'C0DEPLOYS', '/pipeline status');
    expect(inProgress.text).toContain('Runs in progress');
    expect(inProgress.text).toContain(id);
    await svc().resolveWaitingStage(id, 'gate', {
      status: 'succeeded',
      summary: 'approved by <@U0CAROL>',
      details: { approvers: ['U0CAROL'] },
    });
    await svc().resolveWaitingStage(id, 'gate', { status: 'failed', summary: 'too late' }); // idempotent: already decided
    await svc().noteOnRun(id, 'Carol approved: looks good');
    const done = await waitRunText(h, 'C0DEPLOYS', id, /: succeeded/);
    expect(done.text).toContain('gate succeeded');
    expect(JSON.stringify(done.blocks)).toContain('approved by');
    const info = (await svc().getRun(id))!;
    expect(info.stages.find((s) => s.id === 'gate')?.details).toEqual({ approvers: ['U0CAROL'] });
    await h.slack.waitFor(() => threadTexts(h, 'C0DEPLOYS', id).find((t) => t.includes('Carol approved')));
  });

  it('skips a gate that is only for another environment', async () => {
    const id = runIdOf((await h.command('U0BOB', 'C0DEPLOYS', '/pipeline run gated-deploy --env staging')).text);
    const msg = await waitRunText(h, 'C0DEPLOYS', id, /: succeeded/);
    expect(msg.text).toContain('gate skipped');
    expect(JSON.stringify(msg.blocks)).toContain('not for staging');
  });

  it('fails the run when the gate is refused, and a waiting run can be cancelled', async () => {
    const id = runIdOf((await h.command('U0BOB', 'C0DEPLOYS', '/pipeline run gated-deploy --env production')).text);
    await waitRunText(h, 'C0DEPLOYS', id, /: waiting/);
    await svc().resolveWaitingStage(id, 'gate', { status: 'failed', summary: 'rejected by <@U0DAVE>: not during the sale' });
    const msg = await waitRunText(h, 'C0DEPLOYS', id, /: failed/);
    expect(msg.text).toContain('deploy skipped');

    const id2 = runIdOf((await h.command('U0BOB', 'C0DEPLOYS', '/pipeline run gated-deploy --env production')).text);
    await waitRunText(h, 'C0DEPLOYS', id2, /: waiting/);
    await h.command('U0BOB', 'C0DEPLOYS', `/pipeline cancel ${id2}`);
    const cancelled = await waitRunText(h, 'C0DEPLOYS', id2, /: cancelled/);
    expect(cancelled.text).toContain('gate cancelled');
    let finished: Record<string, unknown> | undefined;
    for (let i = 0; i < 100 && !finished; i++) {
      finished = (await recordedEvents(h)).find((x) => x.type === 'pipeline.run.finished' && x.runId === id2);
      if (!finished) await new Promise((r) => setTimeout(r, 50));
    }
    expect(finished).toMatchObject({ status: 'cancelled' });
  });

  it('asks the deploy guards first: a refusal starts nothing, an admin may override with a reason (audited)', async () => {
    const store = h.app.ctx.store;
    await store.setJson(store.key('test', 'freeze', 'production'), 'Black Friday');
    const before = (await svc().recentRuns({ limit: 100 })).length;
    const bob = await h.command('U0BOB', 'C0DEPLOYS', '/pipeline run gated-deploy --env production');
    expect(bob.text).toContain('Change freeze "Black Friday" on production.');
    expect(bob.text).toContain('--override');
    const bobOverride = await h.command('U0BOB', 'C0DEPLOYS', '/pipeline run gated-deploy --env production --override "urgent fix"');
    expect(bobOverride.text).toContain('Only an admin may override it');
    expect((await svc().recentRuns({ limit: 100 })).length).toBe(before);

    const alice = await h.command('U0ALICE', 'C0DEPLOYS', '/pipeline run gated-deploy --env production --override "payment outage hotfix"');
    expect(alice.text).toContain('Started run');
    const id = runIdOf(alice.text);
    const audit = await h.app.ctx.audit.query({ actor: 'U0ALICE', action: 'pipeline.override' });
    expect(audit[0]).toMatchObject({ outcome: 'ok', target: 'gated-deploy/production' });
    expect(audit[0]!.detail).toContain('payment outage hotfix');
    await waitRunText(h, 'C0DEPLOYS', id, /: waiting/);
    await h.command('U0ALICE', 'C0DEPLOYS', `/pipeline cancel ${id}`);
    await waitRunText(h, 'C0DEPLOYS', id, /: cancelled/);
    expect(runMessage(h, 'C0DEPLOYS', id)).toBeDefined();
    await store.del(store.key('test', 'freeze', 'production'));
  });
});
