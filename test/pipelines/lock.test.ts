import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { servicesOf } from '../../src/domain/services.js';
import { startHarness, type Harness } from '../support/harness.js';
import { companionsModule, runIdOf, runMessage, testPipelines, threadTexts, waitRunText } from './support.js';

// One deployment per service and environment; cancel; a bot stopped or a worker lost mid-run.
describe('deploy lock, cancel and restarts', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ name: 'pipelines-lock', modules: [testPipelines(), companionsModule] });
  });
  // slow-deploy's work stage waits for its hold file: it ends when a test says so, not after a
  // number of seconds a loaded machine may or may not honour.
  const holdDir = mkdtempSync(join(tmpdir(), 'switchyard-lock-'));
  const holds: string[] = [];
  const hold = (name: string) => {
    holds.push(join(holdDir, name));
    return holds.at(-1)!;
  };
  afterAll(async () => {
    for (const f of holds) writeFileSync(f, ''); // a failed test must not leave a stage held through the drain
    await h?.close();
    rmSync(holdDir, { recursive: true, force: true });
  });
  const run = async (id: string) => (await servicesOf(h.app.ctx).get('pipelines').getRun(id))!;
  const workRunning = (id: string) =>
    h.slack.waitFor(() => /work running/.test(runMessage(h, 'C0DEPLOYS', id)?.text ?? ''), { timeoutMs: 10_000 });

  it('serialises two runs to the same environment and refuses a third with --no-queue', async () => {
    const release = hold('serialise'); // the first run's stage runs until the test lets it go
    const a = runIdOf(
      (await h.command('U0BOB', 'C0DEPLOYS', `/pipeline run slow-deploy --env staging --param seconds=0 --param hold_file=${release}`))
        .text,
    );
    const second = await h.command('U0BOB', 'C0DEPLOYS', '/pipeline run slow-deploy --env staging --param seconds=0');
    expect(second.text).toContain(`queued behind run *${a}*`);
    const b = runIdOf(second.text);
    await h.slack.waitFor(() => JSON.stringify(runMessage(h, 'C0DEPLOYS', b)?.blocks ?? '').includes(`Queued behind run *${a}*`));
    const refused = await h.command('U0BOB', 'C0DEPLOYS', '/pipeline run slow-deploy --env staging --no-queue');
    expect(refused.text).toContain(`being deployed by run ${a}`);
    expect(refused.text).toContain('nothing was started');
    // Another environment of the same service is not held up.
    const other = runIdOf((await h.command('U0BOB', 'C0DEPLOYS', '/pipeline run slow-deploy --env production --param seconds=0')).text);
    await waitRunText(h, 'C0DEPLOYS', other, /: succeeded/);
    expect((await run(a)).status).toBe('running');
    expect((await run(b)).status).toBe('queued');

    writeFileSync(release, '');
    await waitRunText(h, 'C0DEPLOYS', b, /: succeeded/);
    const [ra, rb] = [await run(a), await run(b)];
    expect(ra.status).toBe('succeeded');
    expect(rb.startedAt!).toBeGreaterThanOrEqual(ra.finishedAt!);
    expect(threadTexts(h, 'C0DEPLOYS', b).join('\n')).toContain(`${a} finished: the deploy lock`);
    const history = await h.command('U0GRACE', 'C0DEPLOYS', '/pipeline history slow-deploy --env staging');
    expect(history.text).toContain(a);
    expect(history.text).toContain(b);
  });

  it('starts a queued run that was handed the lock just before the bot stopped', async () => {
    const a = runIdOf((await h.command('U0BOB', 'C0DEPLOYS', '/pipeline run gated-deploy --env production')).text);
    await waitRunText(h, 'C0DEPLOYS', a, /gate waiting/);
    const b = runIdOf((await h.command('U0BOB', 'C0DEPLOYS', '/pipeline run gated-deploy --env production --ref handed-over')).text);
    expect((await run(b)).status).toBe('queued');
    // The state a crash leaves in the middle of promote: A has ended, B holds the lock, B never started.
    const store = h.app.ctx.store;
    await store.update<{ status: string }>(store.key('pipelines', 'run', a), (d) => ({
      ...d!,
      status: 'cancelled',
      finishedAt: Date.now(),
    }));
    await store.setRemove(store.key('pipelines', 'active'), a);
    await store.setJson(store.key('pipelines', 'lock', 'gated', 'production'), { runId: b, at: Date.now() });
    await store.zRemove(store.key('pipelines', 'queue', 'gated', 'production'), b);
    await waitRunText(h, 'C0DEPLOYS', b, /gate waiting/);
    expect((await run(b)).status).toBe('waiting');
    await h.command('U0BOB', 'C0DEPLOYS', `/pipeline cancel ${b}`);
    await waitRunText(h, 'C0DEPLOYS', b, /: cancelled/);
  });

  it('cancels a running run, stopping its command, and frees the lock at once', async () => {
    const id = runIdOf((await h.command('U0BOB', 'C0DEPLOYS', '/pipeline run slow-deploy --env staging --param seconds=30')).text);
    await workRunning(id);
    const queued = runIdOf((await h.command('U0BOB', 'C0DEPLOYS', '/pipeline run slow-deploy --env staging --param seconds=0')).text);
    expect((await run(queued)).status).toBe('queued');
    const res = await h.command('U0GRACE', 'C0DEPLOYS', `/pipeline cancel ${queued}`); // on the allow list
    expect(res.text).toContain(`Run *${queued}* is cancelled`);
    const cancel = await h.command('U0BOB', 'C0DEPLOYS', `/pipeline cancel ${id}`);
    expect(cancel.text).toContain('stopping work');
    const msg = await waitRunText(h, 'C0DEPLOYS', id, /: cancelled/);
    expect(msg.text).toContain('work cancelled');
    expect(msg.text).toContain('finish cancelled');
    expect(JSON.stringify(msg.blocks)).toContain('cancelled by <@U0BOB>'); // a mention, not escaped text
    const r = await run(id);
    expect(r.finishedAt! - r.startedAt!).toBeLessThan(20_000); // the 30 s command did not run out
    const next = await h.command('U0BOB', 'C0DEPLOYS', '/pipeline run slow-deploy --env staging --param seconds=0 --no-queue');
    expect(next.text).toContain('Started run');
    await waitRunText(h, 'C0DEPLOYS', runIdOf(next.text), /: succeeded/);
    const again = await h.command('U0BOB', 'C0DEPLOYS', `/pipeline cancel ${id}`);
    expect(again.text).toContain('already cancelled');
    const refused = await h.command('U0FRANK', 'C0DEPLOYS', `/pipeline cancel ${id}`);
    expect(refused.text).toContain('`deployer`');
  });

  it('cancels from the Cancel button on the run message, with the same permission as /pipeline cancel, audited', async () => {
    const id = runIdOf((await h.command('U0BOB', 'C0DEPLOYS', '/pipeline run gated-deploy --env production --ref button')).text);
    const msg = await waitRunText(h, 'C0DEPLOYS', id, /gate waiting/);
    expect(JSON.stringify(msg.blocks)).toContain('"action_id":"pipeline.cancel"');
    const ephemeral = async (user: string) => {
      const before = h.slack.ephemerals(user).length;
      await h.slack.pressButton({ user, channel: 'C0DEPLOYS', ts: msg.ts, actionId: 'pipeline.cancel' });
      return (await h.slack.waitFor(() => h.slack.ephemerals(user).slice(before)[0])).text;
    };
    expect(await ephemeral('U0FRANK')).toContain('`deployer`');
    expect((await run(id)).status).toBe('waiting');
    expect(await ephemeral('U0BOB')).toContain(`Run *${id}* is cancelled`);
    const done = await waitRunText(h, 'C0DEPLOYS', id, /: cancelled/);
    expect(JSON.stringify(done.blocks)).not.toContain('pipeline.cancel');
    const audit = await h.app.ctx.audit.query({ action: 'button pipeline.cancel', limit: 10 });
    expect(
      audit
        .filter((e) => e.target === id)
        .map((e) => [e.actor, e.outcome])
        .sort(),
    ).toEqual([
      ['U0BOB', 'ok'],
      ['U0FRANK', 'refused'],
    ]);
  });

  it('takes a stage over when its worker loses the lease (a crashed worker), and says so', async () => {
    const release = hold('lease'); // the stage runs until it was taken over, however slow the machine
    const id = runIdOf(
      (await h.command('U0BOB', 'C0DEPLOYS', `/pipeline run slow-deploy --env production --param seconds=0 --param hold_file=${release}`))
        .text,
    );
    await workRunning(id);
    // A worker that died leaves a lease nobody renews; here another owner holds it until it expires.
    const store = h.app.ctx.store;
    await store.setJson(store.key('pipelines', 'lease', id, 'work'), { owner: 'dead-worker' }, { ttlMs: 300 });
    await h.slack.waitFor(() => threadTexts(h, 'C0DEPLOYS', id).find((t) => t.includes('running it again (attempt 2 of 2)')), {
      timeoutMs: 20_000,
    });
    writeFileSync(release, '');
    const msg = await waitRunText(h, 'C0DEPLOYS', id, /: succeeded/, 20_000);
    expect(msg.text).toContain('work succeeded');
    const thread = threadTexts(h, 'C0DEPLOYS', id).join('\n');
    expect(thread).toContain('its worker stopped during attempt 1; running it again (attempt 2 of 2)');
  });

  it('a bot stopped mid-stage and restarted runs the stage again, or fails it when out of attempts, telling the truth', async () => {
    // Held until the end: attempt 2 must still be running when the bot restarts again.
    const id = runIdOf(
      (
        await h.command(
          'U0BOB',
          'C0DEPLOYS',
          `/pipeline run slow-deploy --env staging --param seconds=0 --param hold_file=${hold('restart')}`,
        )
      ).text,
    );
    await workRunning(id);
    await h.stopBot();
    await h.startBot();
    await h.slack.waitFor(
      () =>
        threadTexts(h, 'C0DEPLOYS', id).find((t) => t.includes('its worker stopped during attempt 1; running it again (attempt 2 of 2)')),
      { timeoutMs: 10_000 },
    );
    await until(async () =>
      (await h.command('U0BOB', 'C0DEPLOYS', `/pipeline logs ${id} work`)).text.includes(
        'attempt 2 of 2, resumed after its worker stopped',
      ),
    );
    const log = await h.command('U0BOB', 'C0DEPLOYS', `/pipeline logs ${id} work`);
    expect(log.text).toContain('interrupted: this worker is stopping');
    await h.restart();
    const msg = await waitRunText(h, 'C0DEPLOYS', id, /: failed/, 20_000);
    expect(msg.text).toContain('work failed');
    expect(JSON.stringify(msg.blocks)).toContain('its worker stopped during attempt 2 of 2; not run again automatically');
    // The lock was released: the next deploy starts straight away.
    const next = await h.command('U0BOB', 'C0DEPLOYS', '/pipeline run slow-deploy --env staging --param seconds=0 --no-queue');
    expect(next.text).toContain('Started run');
    await waitRunText(h, 'C0DEPLOYS', runIdOf(next.text), /: succeeded/);
  });
});

async function until(probe: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}
