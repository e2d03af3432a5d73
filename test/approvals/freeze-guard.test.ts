import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { servicesOf } from '../../src/domain/services.js';
import { startHarness, type Harness } from '../support/harness.js';
import { approvalModules, RUN_CHANNEL, startRun, waitCopies, waitRunStatus, waitStage } from './support.js';

// Production is frozen every day (test/approvals/config/frozen.yml); staging is not.
describe('change freezes over the Slack wire', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ name: 'approvals-freeze', modules: approvalModules('test/approvals/config/frozen.yml') });
  });
  afterAll(async () => {
    await h?.close();
  });

  const runMessages = () => h.slack.messages(RUN_CHANNEL).filter((m) => /^gated-release r\d+ → /.test(m.text));

  it('refuses a production deploy during the freeze and says which freeze', async () => {
    const res = await h.command('U0BOB', RUN_CHANNEL, '/pipeline run gated-release --env production');
    expect(res.text).toContain('Change freeze `test-freeze` is in effect for production');
    expect(res.text).toContain('Europe/Berlin');
    expect(res.text).toContain('--override');
    expect(runMessages()).toHaveLength(0);
    expect(await servicesOf(h.app.ctx).get('freezes').activeFreeze('production', Date.now())).toMatchObject({ name: 'test-freeze' });
    expect(await servicesOf(h.app.ctx).get('freezes').activeFreeze('staging', Date.now())).toBeNull();
  });

  it('refuses an override by someone who is not an admin, and audits the attempt', async () => {
    const res = await h.command('U0BOB', RUN_CHANNEL, '/pipeline run gated-release --env production --override "I really need this"');
    expect(res.text).toContain('Only an admin may override it');
    expect(runMessages()).toHaveLength(0);
    const audit = await h.app.ctx.audit.query({ action: 'freeze.override', actor: 'U0BOB' });
    expect(audit[0]).toMatchObject({ outcome: 'refused', target: 'gated-release production' });
    expect(audit[0]?.detail).toContain('rule admin-only');
  });

  it('lets an admin through with a stated reason: audited and announced, and the run still meets its gate', async () => {
    const id = await startRun(
      h,
      'U0ALICE',
      '/pipeline run gated-release --env production --override "Hotfix for INC-42: checkout is down"',
    );
    const audit = await h.app.ctx.audit.query({ action: 'freeze.override', actor: 'U0ALICE' });
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ outcome: 'ok', target: 'gated-release production' });
    expect(audit[0]?.detail).toContain('freeze test-freeze');
    expect(audit[0]?.detail).toContain('reason: Hotfix for INC-42: checkout is down');
    const announced = await h.slack.waitFor(() =>
      h.slack.messages('C0APPROVALS').find((m) => m.text.includes('overrode the change freeze')),
    );
    expect(announced.text).toContain('<@U0ALICE>');
    expect(announced.text).toContain('`test-freeze`');
    expect(announced.text).toContain('Hotfix for INC-42: checkout is down');
    // The override passes the freeze, not the approval policy.
    await waitCopies(h, id, ['U0CAROL', 'U0DAVE'], /^Approval needed/);
    await waitStage(h, id, 'approve', 'waiting');
  });

  it('does not guard an environment the freeze does not name', async () => {
    const id = await startRun(h, 'U0BOB', '/pipeline run gated-release --env staging');
    const run = await waitRunStatus(h, id, 'succeeded');
    expect(run.stages.find((s) => s.id === 'approve')?.status).toBe('skipped');
  });
});
