/**
 * The queue port: domain code enqueues named jobs and registers one processor per job name.
 * src/adapters/queue implements it with BullMQ. Processing is at-least-once (stalled jobs are
 * retried), so every processor must be idempotent.
 */
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

/** Queue a job name belongs to: its first dotted segment (`pipeline.stage` -> `pipeline`). */
export function queueOf(jobName: string): string {
  const dot = jobName.indexOf('.');
  return dot < 0 ? jobName : jobName.slice(0, dot);
}
