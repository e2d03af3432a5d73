import { ABORT, type Store } from '../../core/ports/store.js';

/**
 * One deployment at a time per service and environment. The lock names the run holding it and
 * has no expiry of its own: it is released when that run ends (any end) and no command the run
 * started may still be running (see StageProcesses), and the watchdog releases it when the holder
 * is finished or gone (a crash between the end and the release). Runs waiting for it sit in a
 * sorted set, oldest first.
 */
export interface LockDoc {
  runId: string;
  at: number;
}

export class DeployLock {
  constructor(private readonly store: Store) {}

  private lockKey(service: string, env: string): string {
    return this.store.key('pipelines', 'lock', service, env);
  }

  private queueKey(service: string, env: string): string {
    return this.store.key('pipelines', 'queue', service, env);
  }

  /** Takes the lock for `runId` unless another run holds it; returns the holder either way. */
  async acquire(service: string, env: string, runId: string, at: number): Promise<string> {
    const after = await this.store.update<LockDoc>(this.lockKey(service, env), (cur) =>
      cur && cur.runId !== runId ? ABORT : { runId, at },
    );
    return after?.runId ?? runId;
  }

  async holder(service: string, env: string): Promise<string | null> {
    return (await this.store.getJson<LockDoc>(this.lockKey(service, env)))?.runId ?? null;
  }

  /** Releases only when `runId` still holds it (a stale release never frees someone else's lock). */
  async release(service: string, env: string, runId: string): Promise<void> {
    await this.store.update<LockDoc>(this.lockKey(service, env), (cur) => (cur?.runId === runId ? null : ABORT));
  }

  async enqueue(service: string, env: string, runId: string, at: number): Promise<void> {
    await this.store.zAdd(this.queueKey(service, env), at, runId);
  }

  async dequeue(service: string, env: string, runId: string): Promise<void> {
    await this.store.zRemove(this.queueKey(service, env), runId);
  }

  /** Queued run ids, oldest first. */
  async queued(service: string, env: string): Promise<string[]> {
    return (await this.store.zRange(this.queueKey(service, env))).map((x) => x.member);
  }
}
