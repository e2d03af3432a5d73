import type { Redis } from 'ioredis';
import { z } from 'zod';
import { subscribe } from '../src/core/events.js';
import type { ModuleFactory } from '../src/core/module.js';
import { EVENTS, type StageKind } from '../src/domain/contracts.js';
import { servicesOf, STAGE_KINDS } from '../src/domain/services.js';
import { escapeGlob } from '../test/support/redis.js';

/** Tells the bench when a run ended, from the run-finished event (no polling of the run document). */
export class FinishedRuns {
  private readonly ended = new Map<string, string>();
  private readonly waiting = new Map<string, (status: string) => void>();

  finished(runId: string, status: string): void {
    const w = this.waiting.get(runId);
    if (w) {
      this.waiting.delete(runId);
      w(status);
    } else this.ended.set(runId, status);
  }

  wait(runId: string, timeoutMs = 120_000): Promise<string> {
    const status = this.ended.get(runId);
    if (status !== undefined) {
      this.ended.delete(runId);
      return Promise.resolve(status);
    }
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`bench run ${runId} did not finish in time`)), timeoutMs);
      this.waiting.set(runId, (s) => {
        clearTimeout(t);
        resolve(s);
      });
    });
  }
}

/** A stage kind that does nothing, and the run-finished subscription the bench waits on. */
export function benchNoopModule(finished: FinishedRuns): ModuleFactory {
  return (ctx) => {
    const noop: StageKind = {
      kind: 'noop',
      settings: z.object({}),
      attempts: 1,
      async run() {
        return { status: 'succeeded' };
      },
    };
    servicesOf(ctx).add(STAGE_KINDS, noop);
    return {
      name: 'bench-noop',
      subscriptions: [subscribe(EVENTS.runFinished, 'bench.finished', async (e) => finished.finished(e.data.runId, e.data.status))],
    };
  };
}

/**
 * Keeps `concurrency` tasks in flight (slot i runs one after another) until `total` were started
 * or `deadline` (performance.now()) passed.
 */
export async function closedLoop(
  concurrency: number,
  total: number,
  task: (slot: number) => Promise<unknown>,
  deadline = Infinity,
): Promise<void> {
  let started = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, slot) => {
      while (started < total && performance.now() < deadline) {
        started++;
        await task(slot);
      }
    }),
  );
}

export const rssMb = (): number => Math.round(process.memoryUsage().rss / 1048576);

/** The keys that belong to one run (its document, stage logs, notes, its chat messages) and their MEMORY USAGE. */
export async function retainedRun(admin: Redis, prefix: string, runId: string): Promise<{ bytes: number; keys: string }> {
  const own = new RegExp(`:(run|log|notes|msg):(run-)?${runId}(\\b|:|-)`);
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await admin.scan(cursor, 'MATCH', `${escapeGlob(`{${prefix}}`)}:*${runId}*`, 'COUNT', 1000);
    cursor = next;
    keys.push(...batch.filter((k) => own.test(k)));
  } while (cursor !== '0');
  let bytes = 0;
  for (const k of keys) bytes += Number((await admin.call('MEMORY', 'USAGE', k, 'SAMPLES', '0')) ?? 0);
  const names = keys.map((k) => k.slice(k.indexOf('}:') + 2).replace(runId, '<id>')).sort();
  return { bytes, keys: `${keys.length} keys: ${names.join(', ')}` };
}
