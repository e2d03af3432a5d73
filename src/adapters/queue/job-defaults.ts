/**
 * Per-job-name retry defaults and the BullMQ job options built from them.
 *
 * A processor declares `attempts`/`backoffMs`, but BullMQ reads those from the job itself, fixed
 * when it is added. So the enqueuing side (BullmqJobQueue) must know the processors' defaults:
 * `registerJobDefaults(processors)` fills this registry; an explicit option from the enqueuer still
 * wins, then the processor's default, then DEFAULT_ATTEMPTS / DEFAULT_BACKOFF_MS.
 */
import type { JobsOptions } from 'bullmq';

import type { JobProcessor } from '../../core/ports/jobs.js';

export const DEFAULT_ATTEMPTS = 3;
export const DEFAULT_BACKOFF_MS = 1000;
/** Completed jobs are kept an hour (at most 1000) so a repeated jobId is still deduplicated. */
export const REMOVE_ON_COMPLETE = { age: 3600, count: 1000 } as const;
/** Failed jobs are kept a week for inspection. */
export const REMOVE_ON_FAIL = { age: 7 * 24 * 3600 } as const;

export type JobDefaultsSource = Pick<JobProcessor, 'name' | 'attempts' | 'backoffMs'>;

/** Job names are dotted words: no ':' (BullMQ key separator) and no whitespace. */
export function assertJobName(name: string): void {
  if (typeof name !== 'string' || name.length === 0 || /[:\s]/.test(name) || name.startsWith('.')) {
    throw new TypeError(`Invalid job name ${JSON.stringify(name)}: use dotted words without ':' or spaces`);
  }
}

/** BullMQ job ids: non-empty, no ':', not an integer (integers clash with generated ids). */
export function assertJobId(id: string): void {
  if (typeof id !== 'string' || id.length === 0) throw new TypeError('Job id must be a non-empty string');
  if (id.includes(':')) throw new TypeError(`Job id ${JSON.stringify(id)} may not contain ':'`);
  if (/^\d+$/.test(id)) throw new TypeError(`Job id ${JSON.stringify(id)} may not be an integer`);
}

function assertAttempts(value: number | undefined, what: string): void {
  if (value !== undefined && (!Number.isInteger(value) || value < 1)) throw new RangeError(`${what}: attempts must be an integer >= 1`);
}

export function assertMs(value: number | undefined, what: string): void {
  if (value !== undefined && (!Number.isFinite(value) || value < 0)) throw new RangeError(`${what}: must be a finite number >= 0`);
}

export class JobDefaults {
  private readonly byName = new Map<string, { attempts?: number; backoffMs?: number }>();

  /** Registering the same name again with different values is a wiring mistake and throws. */
  register(processors: readonly JobDefaultsSource[]): void {
    for (const p of processors) {
      assertJobName(p.name);
      assertAttempts(p.attempts, `processor ${p.name}`);
      assertMs(p.backoffMs, `processor ${p.name} backoffMs`);
      const known = this.byName.get(p.name);
      if (known && (known.attempts !== p.attempts || known.backoffMs !== p.backoffMs)) {
        throw new Error(`Job defaults for "${p.name}" registered twice with different attempts/backoffMs`);
      }
      this.byName.set(p.name, { attempts: p.attempts, backoffMs: p.backoffMs });
    }
  }

  resolve(name: string, given: { attempts?: number; backoffMs?: number } = {}): { attempts: number; backoffMs: number } {
    const fromProcessor = this.byName.get(name);
    return {
      attempts: given.attempts ?? fromProcessor?.attempts ?? DEFAULT_ATTEMPTS,
      backoffMs: given.backoffMs ?? fromProcessor?.backoffMs ?? DEFAULT_BACKOFF_MS,
    };
  }

  /** The BullMQ options every job of `name` gets (no id, delay or priority). */
  jobOptions(name: string, given: { attempts?: number; backoffMs?: number } = {}): JobsOptions {
    assertAttempts(given.attempts, `job ${name}`);
    assertMs(given.backoffMs, `job ${name} backoffMs`);
    const { attempts, backoffMs } = this.resolve(name, given);
    return {
      attempts,
      backoff: { type: 'exponential', delay: backoffMs },
      removeOnComplete: { ...REMOVE_ON_COMPLETE },
      removeOnFail: { ...REMOVE_ON_FAIL },
    };
  }
}
