import { afterAll, describe, expect, it } from 'vitest';
import { servicesOf } from '../../src/domain/services.js';
import { startHarness, type Harness } from '../support/harness.js';
import { companionsModule, runIdOf, runMessage, testPipelines, threadTexts, waitRunText } from './support.js';

/** A rolling restart: the bot is stopped (what SIGTERM does) while a shell stage runs. */
describe('stopping drains running stages (SHUTDOWN_GRACE_MS)', () => {
  const harnesses: Harness[] = [];
  afterAll(async () => {
    for (const h of harnesses) await h.close();
  });
  const start = async (name: string, graceMs: number) => {
    const h = await startHarness({ name, modules: [testPipelines(), companionsModule], env: { SHUTDOWN_GRACE_MS: String(graceMs) } });
    harnesses.push(h);
    return h;
  };
  const workRunning = (h: Harness, id: string) =>
    h.slack.waitFor(() => /work running/.test(runMessage(h, 'C0DEPLOYS', id)?.text ?? ''), { timeoutMs: 10_000 });
  const logOf = async (h: Harness, id: string) => (await h.command('U0BOB', 'C0DEPLOYS', `/pipeline logs ${id} work`)).text;

  it('a stop during a stage lets it finish within the grace: the run still succeeds, nothing is run twice', async () => {
    const h = await start('pipelines-drain', 60_000);
    const id = runIdOf((await h.command('U0BOB', 'C0DEPLOYS', '/pipeline run slow-deploy --env staging --param seconds=2')).text);
    await workRunning(h, id);
    const port = h.app.port();
    const stopping = h.stopBot(); // returns once the running stage has finished
    // While it drains it is alive (a liveness probe must not kill it) but not ready, and takes no Slack traffic.
    const status = async (path: string, method = 'GET') => (await fetch(`http://127.0.0.1:${port}${path}`, { method })).status;
    for (let i = 0; (await status('/readyz')) !== 503; i++) {
      if (i > 100) throw new Error('/readyz never said 503 while draining');
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(await status('/healthz')).toBe(200);
    expect(await status('/slack/events', 'POST')).toBe(503);
    await stopping;
    const stoppedAt = Date.now();
    await h.startBot();
    const msg = await waitRunText(h, 'C0DEPLOYS', id, /: succeeded/, 20_000);
    expect(msg.text).toContain('work succeeded');
    const log = await logOf(h, id);
    expect(log).toContain('done');
    expect(log).not.toContain('interrupted');
    expect(log).not.toContain('attempt 2');
    expect(threadTexts(h, 'C0DEPLOYS', id).join('\n')).not.toContain('its worker stopped');
    const run = (await servicesOf(h.app.ctx).get('pipelines').getRun(id))!;
    const work = run.stages.find((s) => s.id === 'work')!;
    expect(work.summary).toBe('exit 0');
    expect(work.finishedAt!).toBeLessThanOrEqual(stoppedAt); // it finished under the stopping worker
  });

  it('past the grace, the stage is interrupted as before and the next worker takes it over', async () => {
    const h = await start('pipelines-drain-short', 200);
    const id = runIdOf((await h.command('U0BOB', 'C0DEPLOYS', '/pipeline run slow-deploy --env staging --param seconds=3')).text);
    await workRunning(h, id);
    await h.stopBot();
    await h.startBot();
    await waitRunText(h, 'C0DEPLOYS', id, /: succeeded/, 20_000);
    const log = await logOf(h, id);
    expect(log).toContain('interrupted: this worker is stopping');
    expect(log).toContain('attempt 2 of 2, resumed after its worker stopped');
  });
});
