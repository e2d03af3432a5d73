import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { cleanupPrefix } from '../test/support/redis.js';
import { startHarness } from '../test/support/harness.js';
import { makePipelinesModule } from '../src/app/wire-pipelines.js';
import { servicesOf } from '../src/domain/services.js';
import { benchNoopModule, closedLoop, FinishedRuns, retainedRun, rssMb } from './pipelines-load.js';
import { countCommands, startBenchRedis, topCommands, usedMemory, type BenchRedis } from './redis-counts.js';
import type { Bench, BenchResult } from './types.js';

/**
 * Orchestration cost of the pipelines engine, on a Redis of the bench's own (redis-counts.ts):
 *  - per no-op stage of a sequential pipeline (state in Redis, lease, log, hand-off, message refresh)
 *    next to a raw BullMQ job chain (each job's completion adds the next), in time and in Redis
 *    commands (INFO commandstats deltas, Lua's inner commands included);
 *  - 3-stage no-op runs per second with 1, 10 and 100 runs in flight (one environment each, so
 *    the deploy lock does not serialise them);
 *  - memory: process RSS idle and after many 1-stage no-op runs, Redis bytes per retained run.
 */
const STAGES = 20;
const REPS = 3;
const LEVELS = [1, 10, 100] as const;
/** 10,000 runs is the goal; the loop stops early at this budget and the figure says how many ran. */
const MEMORY_RUNS = Number(process.env.BENCH_MEMORY_RUNS ?? 10_000);
const MEMORY_BUDGET_MS = Number(process.env.BENCH_MEMORY_SECONDS ?? 45) * 1000;

function workflows(dir: string): void {
  const head = (name: string, service: string, envs: number) =>
    `name: ${name}\nservice: ${service}\nteam_channel: C0DEPLOYS\nallow: { roles: [admin] }\n` +
    `environments: { ${Array.from({ length: envs }, (_, i) => `e${i}: {}`).join(', ')} }\nstages:\n`;
  const seq = Array.from({ length: STAGES }, (_, i) => `  - { id: s${i}, kind: noop${i ? `, needs: [s${i - 1}]` : ''} }`).join('\n');
  writeFileSync(join(dir, 'seq.yml'), `${head('seq', 'bench', 1)}${seq}\n`);
  const three = '  - { id: a, kind: noop }\n  - { id: b, kind: noop, needs: [a] }\n  - { id: c, kind: noop, needs: [b] }\n';
  writeFileSync(join(dir, 'fan.yml'), `${head('fan', 'benchfan', 100)}${three}`);
  writeFileSync(join(dir, 'one.yml'), `${head('one', 'benchone', 10)}  - { id: a, kind: noop }\n`);
}

/** A chain of raw BullMQ jobs, each added by the previous one's processor: ms and commands per job. */
async function rawChain(url: string, admin: Redis, n: number): Promise<{ ms: number; commands: number; top: string }> {
  const prefix = `{bench-raw-${process.pid}}`;
  const conn = new Redis(url, { maxRetriesPerRequest: null });
  const queue = new Queue('rawchain', { connection: conn, prefix });
  // BullMQ closes the connections it made, not one it was given: this one is quit below.
  const workerConn = new Redis(url, { maxRetriesPerRequest: null });
  let resolveDone: () => void = () => {};
  const worker = new Worker(
    'rawchain',
    async (job: Job) => {
      const i = Number(job.data.i);
      if (i + 1 < n) await queue.add('step', { i: i + 1 }, { removeOnComplete: true });
      else resolveDone();
    },
    { connection: workerConn, prefix },
  );
  await worker.waitUntilReady();
  const chain = async () => {
    const done = new Promise<void>((r) => (resolveDone = r));
    const start = performance.now();
    await queue.add('step', { i: 0 }, { removeOnComplete: true });
    await done;
    return performance.now() - start;
  };
  await chain(); // warm-up: connections, script loads
  const counted = await countCommands(admin, chain);
  await worker.close();
  await queue.close();
  await workerConn.quit();
  await cleanupPrefix(conn, prefix);
  await conn.quit();
  return { ms: counted.result / n, commands: counted.total / n, top: topCommands(counted.byName, n, 5) };
}

const r2 = (x: number) => Number(x.toFixed(2));
const r1 = (x: number) => Number(x.toFixed(1));

export const bench: Bench = async () => {
  const redis: BenchRedis = await startBenchRedis();
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-bench-'));
  workflows(dir);
  const finished = new FinishedRuns();
  try {
    const raw = await rawChain(redis.url, redis.admin, STAGES * 5);
    const h = await startHarness({
      name: 'bench-pipelines',
      env: { REDIS_URL: redis.url },
      modules: [makePipelinesModule({ workflowsDir: dir, pollMs: 50 }), benchNoopModule(finished)],
    });
    try {
      const svc = servicesOf(h.app.ctx).get('pipelines');
      const actor = await h.app.ctx.access.actor('U0ALICE');
      const run = async (pipeline: string, env: string) => {
        const r = await svc.startRun({ pipeline, env, actor, channel: 'C0DEPLOYS' });
        if ((await finished.wait(r.id)) !== 'succeeded') throw new Error(`the no-op pipeline ${pipeline} did not succeed`);
        return r.id;
      };
      await run('seq', 'e0'); // warm-up: JIT, script loads, queues created
      const perStage: number[] = [];
      const counted = await countCommands(redis.admin, async () => {
        for (let rep = 0; rep < REPS; rep++) {
          const t0 = performance.now();
          await run('seq', 'e0');
          perStage.push((performance.now() - t0) / STAGES);
        }
      });
      const stageCommands = counted.total / (REPS * STAGES);

      const rates = new Map<number, number>();
      for (const level of LEVELS) {
        const runs = Math.max(20, level * 2);
        const t = performance.now();
        await closedLoop(level, runs, (slot) => run('fan', `e${slot}`));
        rates.set(level, runs / ((performance.now() - t) / 1000));
      }

      const rssIdle = rssMb();
      const memBefore = await usedMemory(redis.admin);
      const m0 = performance.now();
      const ids: string[] = [];
      await closedLoop(10, MEMORY_RUNS, async (slot) => void ids.push(await run('one', `e${slot}`)), m0 + MEMORY_BUDGET_MS);
      const memSeconds = (performance.now() - m0) / 1000;
      const rssAfter = rssMb();
      const perRunDelta = ((await usedMemory(redis.admin)) - memBefore) / ids.length;
      const own = await retainedRun(redis.admin, h.wiring.prefix, ids[ids.length >> 1]!);

      const where = redis.private ? 'a Redis of its own' : 'the SHARED Redis: other clients counted too';
      const results: BenchResult[] = [
        {
          name: `pipeline orchestration per no-op stage (${STAGES} sequential stages)`,
          value: r2(Math.min(...perStage)),
          unit: 'ms',
          baseline: { name: 'raw BullMQ chained job', value: r2(raw.ms) },
          goal: { op: '<=', value: r2(raw.ms * 2) },
          note: 'run state, stage lease, log, hand-off to the next stage, coalesced message refresh; best of 3 runs',
        },
        {
          name: `Redis commands per no-op stage (${REPS} runs of ${STAGES} stages, run start and end included)`,
          value: r1(stageCommands),
          unit: 'commands',
          baseline: { name: 'raw BullMQ chained job', value: r1(raw.commands) },
          goal: { op: '<=', value: r1(raw.commands * 2) },
          note: `INFO commandstats on ${where}; per stage: ${topCommands(counted.byName, REPS * STAGES)}; per raw job: ${raw.top}`,
        },
        ...LEVELS.map((level): BenchResult => ({
          name: `3-stage no-op runs completed with ${level} in flight`,
          value: r1(rates.get(level)!),
          unit: 'runs/s',
          ...(level > 1 ? { baseline: { name: '1 in flight', value: r1(rates.get(1)!) } } : {}),
          ...(level > 1 ? { goal: { op: '>=' as const, value: r1(rates.get(1)!) } } : {}),
        })),
        { name: 'process RSS idle (bot + local Slack fake + bench, one process)', value: rssIdle, unit: 'MB' },
        {
          name: `process RSS after ${ids.length} 1-stage no-op runs`,
          value: rssAfter,
          unit: 'MB',
          baseline: { name: 'idle', value: rssIdle },
          note:
            `${(ids.length / memSeconds).toFixed(0)} runs/s, 10 in flight` +
            (ids.length < MEMORY_RUNS ? `; stopped at the ${MEMORY_BUDGET_MS / 1000} s budget, short of ${MEMORY_RUNS}` : '') +
            '; the local Slack fake keeps every message in memory too',
        },
        {
          name: 'Redis bytes per retained 1-stage run (MEMORY USAGE of its keys)',
          value: own.bytes,
          unit: 'bytes',
          note: own.keys,
        },
        {
          name: `Redis used_memory growth per run over ${ids.length} runs`,
          value: Math.round(perRunDelta),
          unit: 'bytes',
          note: 'keys, history index entries, and BullMQ job history (bounded: 1000 completed jobs per queue)',
        },
      ];
      return results;
    } finally {
      await h.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await redis.close();
  }
};
