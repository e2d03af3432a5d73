/**
 * The queue port: domain code enqueues named jobs and registers one processor per job name.
 * src/adapters/queue implements it with BullMQ. Processing is at-least-once (stalled jobs are
 * retried), so every processor must be idempotent.
 */
import type { z } from 'zod';
import { PermanentJobError } from '../errors.js';
import { parsePayload } from '../payload.js';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JobData = { [key: string]: JsonValue };

export interface EnqueueOptions {
  /** Idempotency: a job whose id exists is not added again. No ':' and not an integer. */
  id?: string;
  delayMs?: number;
  attempts?: number;
  /** Exponential backoff base. */
  backoffMs?: number;
  priority?: number;
}

export interface FlowNode {
  name: string;
  data: JobData;
  id?: string;
  attempts?: number;
  backoffMs?: number;
  /** Children run first; the parent waits (waiting-children) until they all finish. */
  children?: FlowNode[];
}

export interface Schedule {
  everyMs?: number;
  cron?: string;
  tz?: string;
}

export interface JobQueue {
  enqueue(name: string, data: JobData, opts?: EnqueueOptions): Promise<void>;
  enqueueFlow(root: FlowNode): Promise<void>;
  /** Removes a waiting or delayed job (a timer); false when it is gone or already running. */
  cancel(name: string, id: string): Promise<boolean>;
  /** Creates or replaces a repeating job (BullMQ job scheduler). */
  schedule(schedulerId: string, name: string, data: JobData, when: Schedule): Promise<void>;
  unschedule(schedulerId: string): Promise<void>;
  /** Waiting + delayed + active jobs of a job name's queue, for metrics and /readyz. */
  depth(name: string): Promise<number>;
}

export interface JobContext {
  id: string;
  name: string;
  /** 1 on the first try. */
  attempt: number;
  maxAttempts: number;
  /** Return values of this job's children in a flow, keyed by child job id. */
  childResults(): Promise<Record<string, unknown>>;
  /** Push the job back by `delayMs` without counting an attempt (pacing, waiting on a peer). */
  defer(delayMs: number): Promise<never>;
}

export interface JobProcessor<D extends JobData = JobData> {
  /** Job name, e.g. `pipeline.stage`. Names with the same first segment share a BullMQ queue. */
  name: string;
  attempts?: number;
  backoffMs?: number;
  concurrency?: number;
  process(data: D, ctx: JobContext): Promise<unknown>;
}

/**
 * A job declared once with its payload schema, so the code that enqueues it and the processor share
 * one type: `const LANDING = defineJob('inspect.landing', z.object({ env: z.string() }))`, then
 * `enqueueJob(ctx.jobs, LANDING, { env })` and `jobProcessor(LANDING, { process: (data) => ... })`.
 */
export interface JobDef<T extends JobData> {
  name: string;
  schema: z.ZodType<T>;
}

export function defineJob<T extends JobData>(name: string, schema: z.ZodType<T>): JobDef<T> {
  return { name, schema };
}

export function enqueueJob<T extends JobData>(jobs: JobQueue, def: JobDef<T>, data: NoInfer<T>, opts?: EnqueueOptions): Promise<void> {
  return jobs.enqueue(def.name, data, opts);
}

/**
 * The processor of a declared job: its data is parsed with the job's schema first. A payload the
 * schema refuses (queued by an older version, or by hand) fails the job at once with the coded
 * InvalidPayloadError as cause, logged by the worker as a failed job: a retry cannot fix it.
 */
export function jobProcessor<T extends JobData>(def: JobDef<T>, p: Omit<JobProcessor<T>, 'name'>): JobProcessor {
  return {
    ...p,
    name: def.name,
    async process(data, ctx) {
      let parsed: T;
      try {
        parsed = parsePayload(def.schema, data, `job ${def.name}`);
      } catch (err) {
        throw new PermanentJobError((err as Error).message, { cause: err });
      }
      return p.process(parsed, ctx);
    },
  };
}

/** Queue a job name belongs to: its first dotted segment (`pipeline.stage` -> `pipeline`). */
export function queueOf(jobName: string): string {
  const dot = jobName.indexOf('.');
  return dot < 0 ? jobName : jobName.slice(0, dot);
}
