import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { BullmqJobQueue } from '../../src/adapters/queue/bullmq-queue.js';
import { WorkerPool } from '../../src/adapters/queue/worker-pool.js';
import { createRedis } from '../../src/adapters/redis/connection.js';
import { PermanentJobError } from '../../src/core/errors.js';
import type { JobContext, JobData, JobProcessor } from '../../src/core/ports/jobs.js';
import type { Logger } from '../../src/core/ports/runtime.js';
import { cleanupPrefix, REDIS_URL, testPrefix, waitFor } from '../support/redis.js';

const prefix = testPrefix('queue');
const logged: Array<{ level: string; obj: Record<string, unknown>; msg?: string }> = [];
const log: Logger = {
  debug: (obj, msg) => logged.push({ level: 'debug', obj: obj as Record<string, unknown>, msg }),
  info: (obj, msg) => logged.push({ level: 'info', obj: obj as Record<string, unknown>, msg }),
  warn: (obj, msg) => logged.push({ level: 'warn', obj: obj as Record<string, unknown>, msg }),
  error: (obj, msg) => logged.push({ level: 'error', obj: obj as Record<string, unknown>, msg }),
  child: () => log,
};

let connection: Redis;
let jobs: BullmqJobQueue;
const pools: WorkerPool[] = [];
const inspectors = new Map<string, Queue>();

/** A raw BullMQ Queue to look at job states the port does not expose. */
function inspect(queueName: string): Queue {
  let q = inspectors.get(queueName);
  if (!q) {
    q = new Queue(queueName, { connection, prefix });
    inspectors.set(queueName, q);
  }
  return q;
}

function pool(processors: JobProcessor[], extra: { connection?: string | (() => Redis) } = {}): WorkerPool {
  const p = new WorkerPool({ connection: extra.connection ?? REDIS_URL, prefix, processors, log });
  pools.push(p);
  return p;
}

function processor<D extends JobData = JobData>(
  name: string,
  process: (data: D, ctx: JobContext) => Promise<unknown>,
  more: Partial<JobProcessor> = {},
): JobProcessor {
  return { name, process: process as JobProcessor['process'], ...more };
}

async function jobState(queueName: string, id: string): Promise<string> {
  const job = await inspect(queueName).getJob(id);
  return job ? job.getState() : 'missing';
}

beforeAll(() => {
  connection = createRedis(REDIS_URL, { forBullmq: true, name: 'test-queue', log });
  jobs = new BullmqJobQueue({ connection, prefix, log });
});

afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.close()));
});

afterAll(async () => {
  await jobs.close();
  await Promise.all([...inspectors.values()].map((q) => q.close()));
  await cleanupPrefix(connection, prefix);
  await connection.quit();
});

describe('BullmqJobQueue + WorkerPool', () => {
  it('a worker processes an enqueued job with its data', async () => {
    const seen: Array<{ data: JobData; ctx: Omit<JobContext, 'childResults' | 'defer'> }> = [];
    pool([
      processor('basic.echo', async (data, ctx) => {
        seen.push({ data, ctx: { id: ctx.id, name: ctx.name, attempt: ctx.attempt, maxAttempts: ctx.maxAttempts } });
        return 'ok';
      }),
    ]).start();
    await jobs.enqueue('basic.echo', { text: 'hello', n: 2, nested: { a: [1, null] } }, { id: 'echo-1' });
    await waitFor(() => seen.length === 1, 5000, 'job processed');
    expect(seen[0]).toEqual({
      data: { text: 'hello', n: 2, nested: { a: [1, null] } },
      ctx: { id: 'echo-1', name: 'basic.echo', attempt: 1, maxAttempts: 3 },
    });
    await waitFor(async () => (await jobState('basic', 'echo-1')) === 'completed', 5000, 'completed');
    const job = await inspect('basic').getJob('echo-1');
    expect(job?.returnvalue).toBe('ok');
    expect(job?.opts.removeOnComplete).toEqual({ age: 3600, count: 1000 });
    expect(job?.opts.removeOnFail).toEqual({ age: 7 * 24 * 3600 });
    expect(job?.opts.backoff).toEqual({ type: 'exponential', delay: 1000 });
  });

  it('a duplicate id adds one job', async () => {
    await jobs.enqueue('dup.once', { v: 1 }, { id: 'same' });
    await jobs.enqueue('dup.once', { v: 2 }, { id: 'same' });
    expect(await jobs.depth('dup.once')).toBe(1);
    const runs: JobData[] = [];
    pool([processor('dup.once', async (data) => void runs.push(data))]).start();
    await waitFor(async () => (await jobState('dup', 'same')) === 'completed', 5000, 'completed');
    // once completed, the id is still known: enqueueing it again is a no-op too
    await jobs.enqueue('dup.once', { v: 3 }, { id: 'same' });
    expect(await jobs.depth('dup.once')).toBe(0);
    expect(runs).toEqual([{ v: 1 }]);
  });

  it('rejects ids that BullMQ cannot take and bad names', async () => {
    await expect(jobs.enqueue('v.x', {}, { id: '123' })).rejects.toThrow(/integer/);
    await expect(jobs.enqueue('v.x', {}, { id: 'a:b' })).rejects.toThrow(/':'/);
    await expect(jobs.enqueue('v:x', {})).rejects.toThrow(/job name/);
    await expect(jobs.enqueueFlow({ name: 'v.x', data: {}, children: [{ name: 'v.y', data: {}, id: '7' }] })).rejects.toThrow(/integer/);
    expect(await jobs.depth('v.x')).toBe(0);
  });

  it('a delayed job waits for its delay; cancel() removes one before it fires', async () => {
    const runs: Array<{ id: string; at: number }> = [];
    pool([processor('timer.fire', async (_data, ctx) => void runs.push({ id: ctx.id, at: Date.now() }))]).start();

    const enqueuedAt = Date.now();
    await jobs.enqueue('timer.fire', {}, { id: 'cancel-me', delayMs: 200 });
    await jobs.enqueue('timer.fire', {}, { id: 'keep-me', delayMs: 300 });
    expect(await jobState('timer', 'cancel-me')).toBe('delayed');
    expect(await jobs.depth('timer.fire')).toBe(2);

    expect(await jobs.cancel('timer.fire', 'cancel-me')).toBe(true);
    expect(await jobs.cancel('timer.fire', 'cancel-me')).toBe(false);
    expect(await jobs.cancel('timer.other', 'keep-me')).toBe(false); // another job name: untouched
    expect(await jobs.cancel('timer.fire', 'never-existed')).toBe(false);

    // keep-me fires after cancel-me would have: once it ran, cancel-me certainly did not.
    await waitFor(() => runs.length > 0, 5000, 'delayed job fired');
    expect(runs.map((r) => r.id)).toEqual(['keep-me']);
    expect(runs[0]!.at - enqueuedAt).toBeGreaterThanOrEqual(290);
    await waitFor(async () => (await jobState('timer', 'keep-me')) === 'completed', 5000, 'completed');
    expect(await jobs.cancel('timer.fire', 'keep-me')).toBe(false); // finished: nothing to cancel
  });

  it('PermanentJobError fails at once despite attempts: 3; a plain Error is retried', async () => {
    const calls = { permanent: 0, flaky: 0 };
    pool([
      processor('fail.permanent', async () => {
        calls.permanent += 1;
        throw new PermanentJobError('credentials refused for key ci/token');
      }),
      processor('fail.flaky', async (_d, ctx) => {
        calls.flaky += 1;
        if (ctx.attempt < 3) throw new Error(`flaky attempt ${ctx.attempt}`);
        return { attempt: ctx.attempt };
      }),
    ]).start();
    await jobs.enqueue('fail.permanent', { big: 'x'.repeat(1000) }, { id: 'perm', attempts: 3, backoffMs: 10 });
    await jobs.enqueue('fail.flaky', {}, { id: 'flaky', attempts: 3, backoffMs: 10 });

    await waitFor(async () => (await jobState('fail', 'perm')) === 'failed', 5000, 'permanent failed');
    const perm = await inspect('fail').getJob('perm');
    expect(perm?.failedReason).toBe('credentials refused for key ci/token');
    expect(perm?.attemptsMade).toBe(1);

    await waitFor(async () => (await jobState('fail', 'flaky')) === 'completed', 5000, 'flaky completed');
    expect((await inspect('fail').getJob('flaky'))?.returnvalue).toEqual({ attempt: 3 });
    expect(calls).toEqual({ permanent: 1, flaky: 3 });

    // failures are logged with name, id, attempt and message, never the job data
    const permLog = logged.find((l) => l.obj.jobId === 'perm');
    expect(permLog).toMatchObject({
      level: 'error',
      obj: { job: 'fail.permanent', attempt: 1, err: 'credentials refused for key ci/token' },
    });
    const flakyLogs = logged.filter((l) => l.obj.jobId === 'flaky');
    expect(flakyLogs.map((l) => [l.level, l.obj.attempt])).toEqual([
      ['warn', 1],
      ['warn', 2],
    ]);
    expect(JSON.stringify(logged)).not.toContain('xxxxxxxx');
  });

  it('a job name without a processor fails at once, naming it', async () => {
    pool([processor('orphan.known', async () => 'fine')]).start();
    await jobs.enqueue('orphan.unknown', {}, { id: 'lost', attempts: 3 });
    await waitFor(async () => (await jobState('orphan', 'lost')) === 'failed', 5000, 'failed');
    const job = await inspect('orphan').getJob('lost');
    expect(job?.failedReason).toMatch(/orphan\.unknown/);
    expect(job?.attemptsMade).toBe(1);
  });

  it('defer() re-runs the job later without using an attempt', async () => {
    const attempts: number[] = [];
    let firstAt = 0;
    let secondAt = 0;
    pool([
      processor('pace.step', async (_d, ctx) => {
        attempts.push(ctx.attempt);
        if (attempts.length === 1) {
          firstAt = Date.now();
          await ctx.defer(150);
        }
        secondAt = Date.now();
        return 'done';
      }),
    ]).start();
    await jobs.enqueue('pace.step', {}, { id: 'paced', attempts: 1 });
    await waitFor(async () => (await jobState('pace', 'paced')) === 'completed', 5000, 'completed after defer');
    expect(attempts).toEqual([1, 1]);
    expect(secondAt - firstAt).toBeGreaterThanOrEqual(140);
    const job = await inspect('pace').getJob('paced');
    // BullMQ counts the finishing run as an attempt: 1 means the deferred run did not count.
    expect(job?.attemptsMade).toBe(1);
    expect(job?.returnvalue).toBe('done');
  });

  it('a flow parent runs after its children and sees their results by child id', async () => {
    let parentSaw: Record<string, unknown> | undefined;
    pool([
      processor('flow.parent', async (_d, ctx) => {
        parentSaw = await ctx.childResults();
        return Object.keys(parentSaw).length;
      }),
      processor('flow.child', async (data) => ({ doubled: (data.n as number) * 2 })),
      processor('other.child', async () => 'from another queue'),
    ]).start();
    await jobs.enqueueFlow({
      name: 'flow.parent',
      id: 'parent-1',
      data: {},
      children: [
        { name: 'flow.child', id: 'child-a', data: { n: 1 } },
        { name: 'flow.child', id: 'child-b', data: { n: 2 } },
        { name: 'other.child', id: 'child-c', data: {} },
      ],
    });
    await waitFor(async () => (await jobState('flow', 'parent-1')) === 'completed', 5000, 'parent completed');
    expect(parentSaw).toEqual({ 'child-a': { doubled: 2 }, 'child-b': { doubled: 4 }, 'child-c': 'from another queue' });
  });

  it('a scheduler (everyMs 200) repeats until unscheduled', async () => {
    const runs: JobData[] = [];
    let tocks = 0;
    pool([processor('tick.every', async (data) => void runs.push(data)), processor('tock.every', async () => void tocks++)]).start();
    await jobs.schedule('tick-sched', 'tick.every', { k: 'v' }, { everyMs: 200 });
    await jobs.schedule('tick-sched', 'tick.every', { k: 'v' }, { everyMs: 200 }); // upsert: still one
    expect(await inspect('tick').getJobSchedulersCount()).toBe(1);
    await waitFor(() => runs.length >= 3, 5000, 'three runs');
    expect(runs[0]).toEqual({ k: 'v' });

    await jobs.unschedule('tick-sched');
    expect(await inspect('tick').getJobSchedulersCount()).toBe(0);
    expect(await connection.hget(`${prefix}:switchyard-schedulers`, 'tick-sched')).toBeNull();
    const after = runs.length;
    // Three periods, counted by a second scheduler on the same machinery (not by wall time, which
    // a loaded machine stretches): no new run may start in them.
    await jobs.schedule('tock-sched', 'tock.every', {}, { everyMs: 200 });
    await waitFor(() => tocks >= 4, 10_000, 'three periods of another scheduler'); // four runs span three periods
    await jobs.unschedule('tock-sched');
    expect(runs.length).toBeLessThanOrEqual(after + 1); // one already picked up may finish
    expect(await jobs.depth('tick.every')).toBe(0);
  });

  it('unschedule() finds the queue from another BullmqJobQueue instance', async () => {
    await jobs.schedule('cron-sched', 'cron.daily', {}, { cron: '0 3 * * *', tz: 'Europe/Berlin' });
    expect(await inspect('cron').getJobScheduler('cron-sched')).toMatchObject({ pattern: '0 3 * * *', tz: 'Europe/Berlin' });
    const other = new BullmqJobQueue({ connection, prefix });
    await other.unschedule('cron-sched');
    await other.close();
    expect(await inspect('cron').getJobScheduler('cron-sched')).toBeUndefined();
    await expect(jobs.schedule('bad', 'cron.daily', {}, {})).rejects.toThrow(/exactly one/);
  });

  it('processor attempts/backoffMs become enqueue defaults once registered', async () => {
    const q = new BullmqJobQueue({ connection, prefix });
    q.registerJobDefaults([{ name: 'defs.a', attempts: 7, backoffMs: 25 }]);
    await q.enqueue('defs.a', {}, { id: 'd1' });
    await q.enqueue('defs.a', {}, { id: 'd2', attempts: 2 });
    await q.enqueue('defs.b', {}, { id: 'd3' });
    const get = (id: string) => inspect('defs').getJob(id);
    expect((await get('d1'))?.opts).toMatchObject({ attempts: 7, backoff: { type: 'exponential', delay: 25 } });
    expect((await get('d2'))?.opts).toMatchObject({ attempts: 2, backoff: { delay: 25 } });
    expect((await get('d3'))?.opts).toMatchObject({ attempts: 3, backoff: { delay: 1000 } });
    expect(() => q.registerJobDefaults([{ name: 'defs.a', attempts: 1 }])).toThrow(/twice/);
    expect(await q.depth('defs.a')).toBe(3);
    await q.close();
  });

  it('construction fails on a missing processor and on a duplicate', () => {
    const a = processor('wire.a', async () => undefined);
    expect(
      () => new WorkerPool({ connection: REDIS_URL, prefix, processors: [a], expectedJobNames: ['wire.a', 'wire.b', 'zeta.c'] }),
    ).toThrow('No processor registered for job name(s): wire.b, zeta.c');
    expect(() => new WorkerPool({ connection: REDIS_URL, prefix, processors: [a, processor('wire.a', async () => 1)] })).toThrow(
      /More than one processor.*wire\.a/,
    );
    expect(new WorkerPool({ connection: REDIS_URL, prefix, processors: [a], expectedJobNames: ['wire.a'] }).jobNames()).toEqual(['wire.a']);
  });

  it('close() waits for a running job to finish', async () => {
    let started = false;
    let finished = false;
    const p = pool(
      [
        processor('slow.job', async () => {
          started = true;
          await new Promise((resolve) => setTimeout(resolve, 300));
          finished = true;
        }),
      ],
      { connection: () => createRedis(REDIS_URL, { forBullmq: true, name: 'test-factory', log }) },
    );
    p.start();
    await jobs.enqueue('slow.job', {}, { id: 'slow-1' });
    await waitFor(() => started, 5000, 'slow job started');
    await p.close();
    expect(finished).toBe(true);
    expect(await jobState('slow', 'slow-1')).toBe('completed');
  });
});
