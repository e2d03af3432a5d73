import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { servicesOf } from '../../src/domain/services.js';
import { startHarness, type Harness } from '../support/harness.js';
import { companionsModule, runIdOf, testPipelines, waitRunText } from './support.js';

/**
 * How stages are handed on (issue #14): the stage that ends starts the one it lets start in the
 * same write and runs it in its own worker; a fan-out's other branches go to the queue as stage
 * jobs, for any worker. Seen from Redis: which stages had a job (BullMQ keeps completed jobs an hour).
 */
describe('stage hand-off', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ name: 'pipelines-handoff', modules: [testPipelines(), companionsModule] });
  });
  afterAll(async () => {
    await h?.close();
  });

  const hadJob = (runId: string, stageId: string) =>
    h.app.ctx.store.exists(h.app.ctx.store.key('q', 'pipeline', `st-${runId}-${stageId}-g1`));

  it('runs a stage in sequence in place and sends a fan-out branch through the queue, with the same result', async () => {
    const res = await h.command('U0BOB', 'C0DEPLOYS', '/pipeline run demo-deploy --env staging --ref v9.9.9');
    const id = runIdOf(res.text);
    await waitRunText(h, 'C0DEPLOYS', id, /: succeeded/);
    const run = await servicesOf(h.app.ctx).get('pipelines').getRun(id);
    expect(run?.stages.map((s) => `${s.id}:${s.status}`)).toEqual([
      'build:succeeded',
      'test:succeeded',
      'lint:succeeded',
      'deploy:succeeded',
    ]);
    // build: the run's first stage, a job; test: started by build in place; lint: the other branch, a job.
    expect(await hadJob(id, 'build')).toBe(true);
    expect(await hadJob(id, 'test')).toBe(false);
    expect(await hadJob(id, 'lint')).toBe(true);
    // Each stage ran once, from its own log.
    for (const stage of ['build', 'test', 'lint', 'deploy']) {
      const log = await servicesOf(h.app.ctx).get('pipelines').logs(id, stage, 100);
      expect(log.filter((l) => l.includes(`${stage} (shell) attempt 1 of`))).toHaveLength(1);
    }
  });
});
