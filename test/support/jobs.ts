import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { queueOf } from '../../src/core/ports/jobs.js';
import type { Harness } from './harness.js';
import { REDIS_URL, waitFor } from './redis.js';

/**
 * Resolves once the job `id` of job name `name` can no longer run: removed (cancelled, or done and
 * cleaned up) or finished. A timer the bot should have made harmless (an escalation after an
 * acknowledgement) is awaited this way, not by sleeping past its delay, before asserting it did nothing.
 * Returns what became of it: 'gone', 'completed' or 'failed'.
 */
export async function jobSettled(h: Harness, name: string, id: string, timeoutMs = 15_000): Promise<string> {
  const connection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  // The bot's BullMQ keys live under `<store prefix>:q` (src/app/app.ts).
  const queue = new Queue(queueOf(name), { connection, prefix: `{${h.wiring.prefix}}:q` });
  try {
    return await waitFor(
      async () => {
        const job = await queue.getJob(id);
        if (!job) return 'gone';
        const state = await job.getState();
        return state === 'completed' || state === 'failed' ? state : undefined;
      },
      timeoutMs,
      `job ${name} ${id} settled`,
    );
  } finally {
    await queue.close();
    await connection.quit();
  }
}
