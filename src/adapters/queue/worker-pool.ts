/**
 * Runs the JobProcessors on BullMQ: one Worker per queue (queueOf(name)), dispatching on the job
 * name. Wiring mistakes fail at construction, before anything connects: two processors for one
 * name, or a name listed in `expectedJobNames` (the names the app enqueues) without a processor.
 *
 * Error mapping inside a job:
 *  - PermanentJobError      -> UnrecoverableError (failed at once, whatever `attempts` says)
 *  - ctx.defer(ms)          -> job.moveToDelayed + DelayedError (re-runs later, no attempt used)
 *  - RateLimitedError       -> the same, by its retryAfterMs (the backend said wait: not a failure)
 *  - anything else          -> retried with the job's backoff until its attempts are used up
 *
 * close() is graceful: each worker stops taking jobs and waits for its running ones; then a
 * connection this pool created itself is closed. (App shutdown order: stop receiving requests,
 * WorkerPool.close(), queue events, BullmqJobQueue.close(), Redis.)
 */
import { DelayedError, UnrecoverableError, Worker, type Job } from 'bullmq';

import { PermanentJobError, RateLimitedError } from '../../core/errors.js';
import { queueOf, type JobContext, type JobData, type JobProcessor } from '../../core/ports/jobs.js';
import { silentLogger, type Logger } from '../../core/ports/runtime.js';
import { createRedis, type RedisConnection } from '../redis/connection.js';
import { assertJobName } from './job-defaults.js';

export const DEFAULT_CONCURRENCY = 5;

export interface WorkerPoolOptions {
  /**
   * A redis URL or a factory: the pool creates the connection at start() and closes it in close().
   * An ioredis instance (maxRetriesPerRequest: null) is used as is and left open.
   */
  connection: string | RedisConnection | (() => RedisConnection);
  /** BullMQ key prefix, the same one BullmqJobQueue uses, e.g. `{switchyard}`. */
  prefix: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- processors of any data shape
  processors: ReadonlyArray<JobProcessor<any>>;
  /** Every job name the app may enqueue; one without a processor fails construction. */
  expectedJobNames?: readonly string[];
  log?: Logger;
}

export class WorkerPool {
  private readonly byName = new Map<string, JobProcessor>();
  private readonly concurrencyByQueue = new Map<string, number>();
  private readonly workers: Worker[] = [];
  private readonly log: Logger;
  private ownedConnection: RedisConnection | undefined;
  private state: 'new' | 'running' | 'closing' | 'closed' = 'new';
  private closing: Promise<void> | undefined;

  constructor(private readonly opts: WorkerPoolOptions) {
    this.log = opts.log ?? silentLogger;
    const duplicates = new Set<string>();
    for (const processor of opts.processors) {
      assertJobName(processor.name);
      if (this.byName.has(processor.name)) duplicates.add(processor.name);
      this.byName.set(processor.name, processor as JobProcessor);
      const c = processor.concurrency ?? DEFAULT_CONCURRENCY;
      if (!Number.isInteger(c) || c < 1) throw new RangeError(`Processor ${processor.name}: concurrency must be an integer >= 1`);
      const q = queueOf(processor.name);
      this.concurrencyByQueue.set(q, Math.max(this.concurrencyByQueue.get(q) ?? 0, c));
    }
    if (duplicates.size > 0) {
      throw new Error(`More than one processor registered for job name(s): ${[...duplicates].sort().join(', ')}`);
    }
    const missing = [...new Set(opts.expectedJobNames ?? [])].filter((name) => !this.byName.has(name)).sort();
    if (missing.length > 0) {
      throw new Error(`No processor registered for job name(s): ${missing.join(', ')}`);
    }
  }

  /** The job names this pool processes (for registerJobDefaults and readiness reports). */
  jobNames(): string[] {
    return [...this.byName.keys()].sort();
  }

  /** Starts one worker per queue. Calling it again is a no-op. */
  start(): void {
    if (this.state !== 'new') return;
    this.state = 'running';
    const connection = this.resolveConnection();
    for (const [queueName, concurrency] of this.concurrencyByQueue) {
      const worker = new Worker(queueName, (job: Job, token?: string) => this.run(queueName, job, token), {
        connection,
        prefix: this.opts.prefix,
        concurrency,
        autorun: true,
        // The Slack outbox drains each channel from one job: after a worker is killed outright its
        // channels must resume within seconds, not the 30-60 s BullMQ takes by default to call a
        // job stalled. Other queues keep the defaults (fewer lock renewals for long stages).
        ...(queueName === 'slack' ? { lockDuration: 10_000, stalledInterval: 5_000 } : {}),
      });
      let lastError = '';
      worker.on('error', (err) => {
        if (err.message === lastError) return; // a Redis outage repeats the same error every retry
        lastError = err.message;
        this.log.error({ queue: queueName, err: err.message }, 'worker error');
      });
      worker.on('failed', (job, err) => {
        if (!job) return;
        const attempts = job.opts.attempts ?? 1;
        const final = err instanceof UnrecoverableError || err.name === 'UnrecoverableError' || job.attemptsMade >= attempts;
        // Name, id, attempt and message only: job data may be large or sensitive.
        const entry = { job: job.name, jobId: job.id, attempt: job.attemptsMade, attempts, err: err.message };
        if (final) this.log.error(entry, 'job failed');
        else this.log.warn(entry, 'job failed, will retry');
      });
      this.workers.push(worker);
    }
  }

  /** Stops taking jobs, waits for running ones, then closes a connection the pool created. */
  close(): Promise<void> {
    this.closing ??= this.doClose();
    return this.closing;
  }

  private async doClose(): Promise<void> {
    this.state = 'closing';
    await Promise.all(this.workers.map((w) => w.close()));
    if (this.ownedConnection) await this.ownedConnection.quit().catch(() => this.ownedConnection?.disconnect());
    this.state = 'closed';
  }

  private resolveConnection(): RedisConnection {
    const { connection } = this.opts;
    if (typeof connection === 'string') {
      this.ownedConnection = createRedis(connection, { forBullmq: true, name: 'worker', log: this.log });
      return this.ownedConnection;
    }
    if (typeof connection === 'function') {
      this.ownedConnection = connection();
      return this.ownedConnection;
    }
    return connection;
  }

  private async run(queueName: string, job: Job, token: string | undefined): Promise<unknown> {
    const processor = this.byName.get(job.name);
    if (!processor) {
      throw new UnrecoverableError(`No processor for job "${job.name}" in queue "${queueName}"`);
    }
    const ctx: JobContext = {
      id: job.id ?? '',
      name: job.name,
      attempt: job.attemptsMade + 1,
      maxAttempts: job.opts.attempts ?? 1,
      childResults: async () => childResultsById(await job.getChildrenValues()),
      defer: async (delayMs: number): Promise<never> => {
        if (!token) throw new Error(`defer(): job ${job.name}/${job.id} has no lock token`);
        await job.moveToDelayed(Date.now() + Math.max(0, delayMs), token);
        throw new DelayedError();
      },
    };
    try {
      return await processor.process(job.data as JobData, ctx);
    } catch (err) {
      if (err instanceof RateLimitedError) return ctx.defer(err.retryAfterMs);
      if (err instanceof PermanentJobError || (err instanceof Error && err.name === 'PermanentJobError')) {
        throw new UnrecoverableError(err.message);
      }
      throw err;
    }
  }
}

/** getChildrenValues() keys are full Redis job keys (`<prefix>:<queue>:<id>`); the port wants ids. */
function childResultsById(values: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(values)) out[key.slice(key.lastIndexOf(':') + 1)] = value;
  return out;
}
