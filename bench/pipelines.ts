import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { z } from 'zod';
import type { ModuleFactory } from '../src/core/module.js';
import type { RunInfo, StageKind } from '../src/domain/contracts.js';
import { servicesOf, STAGE_KINDS } from '../src/domain/services.js';
import { makePipelinesModule } from '../src/app/wire-pipelines.js';
import { startHarness } from '../test/support/harness.js';
import { cleanupPrefix, REDIS_URL } from '../test/support/redis.js';
import type { Bench, BenchResult } from './types.js';

/**
 * Orchestration cost of the pipelines engine, on the same Redis:
 *  - per no-op stage of a sequential pipeline (state in Redis, lease, stage job, message
 *    refresh) next to a raw BullMQ job chain (each job's completion adds the next);
 *  - how many runs of a 3-stage no-op pipeline complete per second when started together
 *    (one environment each, so the deploy lock does not serialise them).
 */
const STAGES = 20;
const CONCURRENT = 20;

const noopModule: ModuleFactory = (ctx) => {
  const noop: StageKind = {
    kind: 'noop',
    settings: z.object({}),
    attempts: 1,
    async run() {
      return { status: 'succeeded' };
    },
  };
  servicesOf(ctx).add(STAGE_KINDS, noop);
  return { name: 'bench-noop' };
};

function workflows(dir: string): void {
  const seq = Array.from({ length: STAGES }, (_, i) => `  - { id: s${i}, kind: noop${i ? `, needs: [s${i - 1}]` : ''} }`).join('\n');
  writeFileSync(
    join(dir, 'seq.yml'),
    `name: seq\nservice: bench\nteam_channel: C0DEPLOYS\nallow: { roles: [admin] }\nenvironments: { e0: {} }\nstages:\n${seq}\n`,
  );
  const envs = Array.from({ length: CONCURRENT }, (_, i) => `e${i}: {}`).join(', ');
  writeFileSync(
    join(dir, 'fan.yml'),
    `name: fan\nservice: benchfan\nteam_channel: C0DEPLOYS\nallow: { roles: [admin] }\nenvironments: { ${envs} }\n` +
      `stages:\n  - { id: a, kind: noop }\n  - { id: b, kind: noop, needs: [a] }\n  - { id: c, kind: noop, needs: [b] }\n`,
  );
}

async function rawChainMsPerJob(n: number): Promise<number> {
  const prefix = `{bench-raw-${process.pid}}`;
  const conn = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const queue = new Queue('rawchain', { connection: conn, prefix });
  let resolveDone: () => void = () => {};
  const done = new Promise<void>((r) => (resolveDone = r));
  const worker = new Worker(
    'rawchain',
    async (job: Job) => {
      const i = Number(job.data.i);
      if (i + 1 < n) await queue.add('step', { i: i + 1 }, { removeOnComplete: true });
      else resolveDone();
    },
    { connection: new Redis(REDIS_URL, { maxRetriesPerRequest: null }), prefix },
  );
  await worker.waitUntilReady();
  const start = performance.now();
  await queue.add('step', { i: 0 }, { removeOnComplete: true });
  await done;
  const ms = (performance.now() - start) / n;
  await worker.close();
  await queue.close();
  await cleanupPrefix(conn, prefix);
  await conn.quit();
  return ms;
}

async function until(fn: () => Promise<boolean>, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error('bench run did not finish in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

export const bench: Bench = async () => {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-bench-'));
  workflows(dir);
  const h = await startHarness({ name: 'bench-pipelines', modules: [makePipelinesModule({ workflowsDir: dir, pollMs: 50 }), noopModule] });
  try {
    const svc = servicesOf(h.app.ctx).get('pipelines');
    const actor = await h.app.ctx.access.actor('U0ALICE');
    const finished = (r: RunInfo | null) => r !== null && ['succeeded', 'failed', 'cancelled'].includes(r.status);

    const raw = await rawChainMsPerJob(STAGES * 5);
    const perStage: number[] = [];
    for (let rep = 0; rep < 3; rep++) {
      const t0 = performance.now();
      const run = await svc.startRun({ pipeline: 'seq', env: 'e0', actor, channel: 'C0DEPLOYS' });
      await until(async () => finished(await svc.getRun(run.id)));
      if ((await svc.getRun(run.id))?.status !== 'succeeded') throw new Error('the no-op pipeline did not succeed');
      perStage.push((performance.now() - t0) / STAGES);
    }
    const stageMs = Math.min(...perStage);

    const t1 = performance.now();
    const runs = await Promise.all(
      Array.from({ length: CONCURRENT }, (_, i) => svc.startRun({ pipeline: 'fan', env: `e${i}`, actor, channel: 'C0DEPLOYS' })),
    );
    await until(async () => (await Promise.all(runs.map((r) => svc.getRun(r.id)))).every(finished));
    const perSecond = CONCURRENT / ((performance.now() - t1) / 1000);

    const results: BenchResult[] = [
      {
        name: `pipeline orchestration per no-op stage (${STAGES} sequential stages)`,
        value: Number(stageMs.toFixed(2)),
        unit: 'ms',
        baseline: { name: 'raw BullMQ chained job', value: Number(raw.toFixed(2)) },
        note: 'Redis state, stage lease, stage job, message refresh',
      },
      {
        name: `concurrent 3-stage no-op runs completed (${CONCURRENT} started together)`,
        value: Number(perSecond.toFixed(1)),
        unit: 'runs/s',
      },
    ];
    return results;
  } finally {
    await h.close();
    rmSync(dir, { recursive: true, force: true });
  }
};
