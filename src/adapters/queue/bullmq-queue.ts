/**
 * JobQueue port on BullMQ. A job name `a.b` lives in BullMQ queue `a` (queueOf) under job name
 * `a.b`; one Queue object per queue name is created on first use and cached.
 *
 * The connection belongs to the caller (created with `createRedis(url, { forBullmq: true })`):
 * close() closes the Queue/FlowProducer objects, never the connection.
 */
import { randomUUID } from 'node:crypto';

import { FlowProducer, Queue, type FlowJob, type JobsOptions } from 'bullmq';
import { Cluster } from 'ioredis';
import type { RedisConnection } from '../redis/connection.js';

import { queueOf, type EnqueueOptions, type FlowNode, type JobData, type JobQueue, type Schedule } from '../../core/ports/jobs.js';
import { silentLogger, type Logger } from '../../core/ports/runtime.js';
import { assertJobId, assertJobName, assertMs, JobDefaults, type JobDefaultsSource } from './job-defaults.js';

export interface BullmqJobQueueOptions {
  /** An ioredis client made for BullMQ (maxRetriesPerRequest: null). Not closed by close(). */
  connection: RedisConnection;
  /** BullMQ key prefix, braced so every key shares one Cluster slot, e.g. `{switchyard}`. */
  prefix: string;
  /** Receives BullMQ 'error' events (an unhandled 'error' event would crash the process). */
  log?: Logger;
}

/** States in which a job has not started and can simply be removed. */
const CANCELLABLE = new Set(['waiting', 'delayed', 'prioritized']);
const DEPTH_STATES = ['waiting', 'delayed', 'active', 'prioritized', 'waiting-children'] as const;

export class BullmqJobQueue implements JobQueue {
  private readonly connection: RedisConnection;
  private readonly prefix: string;
  private readonly queues = new Map<string, Queue>();
  private flowProducer: FlowProducer | undefined;
  private readonly defaults = new JobDefaults();
  private closed = false;
  private readonly log: Logger;
  private lastError = '';

  constructor(opts: BullmqJobQueueOptions) {
    // A Cluster (REDIS_CLUSTER_NODES) keeps its per-node options in redisOptions.
    const conn = opts.connection;
    if ((conn instanceof Cluster ? conn.options.redisOptions : conn.options)?.maxRetriesPerRequest !== null) {
      throw new TypeError(
        'BullmqJobQueue: the connection must be created with maxRetriesPerRequest: null (createRedis(url, { forBullmq: true }))',
      );
    }
    this.connection = opts.connection;
    this.prefix = opts.prefix;
    this.log = opts.log ?? silentLogger;
  }

  /** Records the processors' attempts/backoffMs, used when an enqueuer gives none. */
  registerJobDefaults(processors: readonly JobDefaultsSource[]): void {
    this.defaults.register(processors);
  }

  async enqueue(name: string, data: JobData, opts: EnqueueOptions = {}): Promise<void> {
    assertJobName(name);
    const jobOpts: JobsOptions = this.defaults.jobOptions(name, opts);
    if (opts.id !== undefined) {
      assertJobId(opts.id);
      jobOpts.jobId = opts.id;
    }
    if (opts.delayMs !== undefined) {
      assertMs(opts.delayMs, `job ${name} delayMs`);
      if (opts.delayMs > 0) jobOpts.delay = Math.round(opts.delayMs);
    }
    if (opts.priority !== undefined) {
      if (!Number.isInteger(opts.priority) || opts.priority < 0) throw new RangeError(`job ${name}: priority must be an integer >= 0`);
      jobOpts.priority = opts.priority;
    }
    // With an existing jobId BullMQ adds nothing and returns the existing job: idempotent.
    await this.queue(queueOf(name)).add(name, data, jobOpts);
  }

  /**
   * Adds the whole tree atomically. Nodes without an id get a random one, so `childResults()`
   * can be keyed by job id without clashes between queues. A child that fails for good fails its
   * parent (failParentOnFailure) instead of leaving it in waiting-children forever.
   */
  async enqueueFlow(root: FlowNode): Promise<void> {
    this.assertOpen();
    const toFlowJob = (node: FlowNode, isChild: boolean): FlowJob => {
      assertJobName(node.name);
      const id = node.id ?? randomUUID();
      assertJobId(id);
      const opts: JobsOptions = {
        ...this.defaults.jobOptions(node.name, { attempts: node.attempts, backoffMs: node.backoffMs }),
        jobId: id,
        ...(isChild ? { failParentOnFailure: true } : {}),
      };
      const children = node.children?.map((child) => toFlowJob(child, true));
      const base = { name: node.name, queueName: queueOf(node.name), data: node.data, opts };
      return children && children.length > 0 ? { ...base, children } : base;
    };
    const flow = toFlowJob(root, false);
    if (!this.flowProducer) {
      this.flowProducer = new FlowProducer({ connection: this.connection, prefix: this.prefix });
      this.flowProducer.on('error', (err) => this.onError('flow-producer', err));
    }
    await this.flowProducer.add(flow);
  }

  async cancel(name: string, id: string): Promise<boolean> {
    assertJobName(name);
    assertJobId(id);
    const job = await this.queue(queueOf(name)).getJob(id);
    if (!job || job.name !== name) return false;
    const state = await job.getState();
    if (!CANCELLABLE.has(state)) return false;
    try {
      await job.remove();
      return true;
    } catch (err) {
      // Picked up by a worker between getState and remove: it is running now, so not cancelled.
      if ((await job.getState().catch(() => 'unknown')) === 'active') return false;
      throw err;
    }
  }

  async schedule(schedulerId: string, name: string, data: JobData, when: Schedule): Promise<void> {
    assertJobName(name);
    assertSchedulerId(schedulerId);
    const hasEvery = when.everyMs !== undefined;
    const hasCron = when.cron !== undefined;
    if (hasEvery === hasCron) throw new TypeError(`schedule ${schedulerId}: give exactly one of everyMs or cron`);
    if (hasEvery && (!Number.isInteger(when.everyMs) || (when.everyMs as number) <= 0)) {
      throw new RangeError(`schedule ${schedulerId}: everyMs must be a positive integer`);
    }
    const repeat = hasEvery ? { every: when.everyMs as number } : { pattern: when.cron as string, ...(when.tz ? { tz: when.tz } : {}) };
    const queueName = queueOf(name);
    // Remember the queue: unschedule() gets only the id, possibly in another process.
    await this.connection.hset(this.schedulerRegistryKey(), schedulerId, queueName);
    await this.queue(queueName).upsertJobScheduler(schedulerId, repeat, { name, data, opts: this.defaults.jobOptions(name) });
  }

  async unschedule(schedulerId: string): Promise<void> {
    assertSchedulerId(schedulerId);
    const registry = this.schedulerRegistryKey();
    const queueName = await this.connection.hget(registry, schedulerId);
    const candidates = queueName ? [queueName] : [...this.queues.keys()];
    for (const q of candidates) await this.queue(q).removeJobScheduler(schedulerId);
    await this.connection.hdel(registry, schedulerId);
  }

  async depth(name: string): Promise<number> {
    assertJobName(name);
    const counts = await this.queue(queueOf(name)).getJobCounts(...DEPTH_STATES);
    return Object.values(counts).reduce((sum, n) => sum + (n ?? 0), 0);
  }

  /** Closes the Queue objects and the FlowProducer; the connection stays open (the caller's). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const closing: Array<Promise<void>> = [...this.queues.values()].map((q) => q.close());
    if (this.flowProducer) closing.push(this.flowProducer.close());
    await Promise.all(closing);
    this.queues.clear();
  }

  private queue(queueName: string): Queue {
    this.assertOpen();
    let queue = this.queues.get(queueName);
    if (!queue) {
      queue = new Queue(queueName, { connection: this.connection, prefix: this.prefix });
      queue.on('error', (err) => this.onError(queueName, err));
      this.queues.set(queueName, queue);
    }
    return queue;
  }

  /** Hash schedulerId -> queue name. No BullMQ key is exactly `<prefix>:<word>` (theirs have 3 parts). */
  private schedulerRegistryKey(): string {
    return `${this.prefix}:switchyard-schedulers`;
  }

  /** Logs an error unless it repeats the previous one (a Redis outage repeats it every retry). */
  private onError(source: string, err: Error): void {
    if (err.message === this.lastError) return;
    this.lastError = err.message;
    this.log.error({ queue: source, err: err.message }, 'bullmq error');
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('BullmqJobQueue is closed');
  }
}

function assertSchedulerId(id: string): void {
  if (typeof id !== 'string' || id.length === 0 || /[:\s]/.test(id)) {
    throw new TypeError(`Invalid scheduler id ${JSON.stringify(id)}: non-empty, no ':' or spaces`);
  }
}
