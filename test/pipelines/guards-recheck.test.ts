import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { servicesOf } from '../../src/domain/services.js';
import { startHarness, type Harness } from '../support/harness.js';
import { companionsModule, runIdOf, runMessage, testPipelines, threadTexts, waitRunText } from './support.js';

/**
 * A freeze declared after a run was created still stops it before it deploys: when it is handed
 * the lock from the queue, and when a deploying stage starts. (The test guard of support.ts
 * refuses while a flag is set in Redis, as a change freeze does.)
 */
describe('deploy guards are asked again while a run goes on', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ name: 'pipelines-guards-recheck', modules: [testPipelines(), companionsModule] });
  });
  afterAll(async () => {
    await h?.close();
  });
  const store = () => h.app.ctx.store;
  const freeze = (env: string, name: string) => store().setJson(store().key('test', 'freeze', env), name);
  const thaw = (env: string) => store().del(store().key('test', 'freeze', env));
  const run = async (id: string) => (await servicesOf(h.app.ctx).get('pipelines').getRun(id))!;

  it('a run queued behind the lock when a freeze begins is stopped when promoted, saying which freeze', async () => {
    const a = runIdOf((await h.command('U0BOB', 'C0DEPLOYS', '/pipeline run gated-deploy --env production')).text);
    await waitRunText(h, 'C0DEPLOYS', a, /gate waiting/);
    const b = runIdOf(
      (await h.command('U0BOB', 'C0DEPLOYS', '/pipeline run gated-deploy --env production --ref queued-into-a-freeze')).text,
    );
    expect((await run(b)).status).toBe('queued');
    await freeze('production', 'Black Friday');
    await h.command('U0BOB', 'C0DEPLOYS', `/pipeline cancel ${a}`);

    const msg = await waitRunText(h, 'C0DEPLOYS', b, /: failed/);
    expect(JSON.stringify(msg.blocks)).toContain('Change freeze \\"Black Friday\\" on production.');
    const stopped = await run(b);
    expect(stopped.startedAt).toBeUndefined(); // never started: no stage ran
    expect(stopped.stages.every((s) => s.status === 'skipped')).toBe(true);
    const thread = threadTexts(h, 'C0DEPLOYS', b).join('\n');
    expect(thread).toContain('Stopped when it was handed the deploy lock by test-freeze: Change freeze "Black Friday" on production.');
    expect(thread).toContain('--override "reason"');
    // The lock went on: a run by an admin who overrides the freeze (audited) deploys.
    const alice = await h.command(
      'U0ALICE',
      'C0DEPLOYS',
      '/pipeline run slow-deploy --env production --param seconds=0 --override "hotfix during the freeze"',
    );
    await waitRunText(h, 'C0DEPLOYS', runIdOf(alice.text), /: succeeded/);
    await thaw('production');
  });

  it('a freeze that begins while a run is under way stops its next deploying stage', async () => {
    const id = runIdOf((await h.command('U0BOB', 'C0DEPLOYS', '/pipeline run slow-deploy --env staging --param seconds=2')).text);
    await h.slack.waitFor(() => /work running/.test(runMessage(h, 'C0DEPLOYS', id)?.text ?? ''), { timeoutMs: 10_000 });
    await freeze('staging', 'incident review');
    const msg = await waitRunText(h, 'C0DEPLOYS', id, /: failed/);
    expect(msg.text).toContain('work succeeded'); // the stage already running finished
    expect(msg.text).toContain('finish failed');
    expect(JSON.stringify(msg.blocks)).toContain('stopped by test-freeze: Change freeze \\"incident review\\" on staging.');
    expect(threadTexts(h, 'C0DEPLOYS', id).join('\n')).toContain('Stopped before finish started by test-freeze');
    const log = await h.command('U0BOB', 'C0DEPLOYS', `/pipeline logs ${id} finish`);
    expect(log.text).toContain('stopped by test-freeze');
    expect(log.text).not.toContain('finished'); // its command never ran
    await thaw('staging');
  });

  it("an admin's override at the start carries the run through later checks, audited", async () => {
    await freeze('staging', 'quiet week');
    const res = await h.command(
      'U0ALICE',
      'C0DEPLOYS',
      '/pipeline run slow-deploy --env staging --param seconds=0 --override "customer-facing fix"',
    );
    const id = runIdOf(res.text);
    await waitRunText(h, 'C0DEPLOYS', id, /: succeeded/);
    const audit = await h.app.ctx.audit.query({ actor: 'U0ALICE', action: 'pipeline.override', limit: 20 });
    const again = audit.filter((e) => e.detail?.includes(`run ${id}, checked again`));
    expect(again.map((e) => e.detail).sort()).toEqual([
      expect.stringContaining('checked again: before finish started'),
      expect.stringContaining('checked again: before work started'),
    ]);
    await thaw('staging');
  });
});
