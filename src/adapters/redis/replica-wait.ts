/**
 * Makes a write wait until a replica has it (Redis WAIT), so that a Sentinel failover right after
 * the write does not lose it. Redis replicates asynchronously: without WAIT, an acknowledged write
 * that had not reached the replica when the master died is gone after the replica is promoted.
 *
 * WAIT counts the replicas that acknowledged every write made so far on this connection, so it
 * must run on the same connection as the write. WAIT blocks that connection until enough replicas
 * answer or the timeout passes; with no replica online (for example just after a failover, until
 * the old master comes back as a replica) every write would stall for the whole timeout, so the
 * number of online replicas is read from INFO (at most once a second) and WAIT is skipped while it
 * is too low. Such writes stand on the master alone: that is logged once per degraded period,
 * never hidden, and never turned into an error (the write did happen).
 */
import type { Redis } from 'ioredis';

import type { Logger } from '../../core/ports/runtime.js';

const PROBE_EVERY_MS = 1000;

export interface ReplicaWaitOptions {
  replicas: number;
  timeoutMs: number;
  log: Logger;
}

export class ReplicaWait {
  private online = 0;
  private probedAt = 0;
  private probing: Promise<number> | undefined;
  private degraded = false;
  /** Writes a replica acknowledged / writes that stood on the master alone (for tests and logs). */
  readonly counts = { acknowledged: 0, unreplicated: 0 };

  constructor(
    private readonly redis: Redis,
    private readonly o: ReplicaWaitOptions,
  ) {}

  /** Call after a write that must survive a failover. Never throws. */
  async afterWrite(): Promise<void> {
    try {
      const online = await this.onlineReplicas();
      if (online < this.o.replicas) return this.unreplicated(`${online} replica(s) online`);
      const acked = Number(await this.redis.call('WAIT', this.o.replicas, this.o.timeoutMs));
      if (acked >= this.o.replicas) return this.acknowledged();
      this.probedAt = 0; // look again: the replica may have gone
      this.unreplicated(`${acked} replica(s) acknowledged within ${this.o.timeoutMs} ms`);
    } catch (err) {
      // The connection failed after the write: whether the write replicated is unknown.
      this.unreplicated(`WAIT failed: ${(err as Error).message}`);
    }
  }

  private acknowledged(): void {
    this.counts.acknowledged++;
    if (!this.degraded) return;
    this.degraded = false;
    this.o.log.info({ replicas: this.o.replicas }, 'redis writes are acknowledged by replicas again');
  }

  private unreplicated(why: string): void {
    this.counts.unreplicated++;
    if (this.degraded) return;
    this.degraded = true;
    this.o.log.warn(
      { replicas: this.o.replicas, why },
      'redis writes are not acknowledged by a replica: they stand on the master alone and a failover now could lose them (further warnings suppressed until replicas acknowledge again)',
    );
  }

  private async onlineReplicas(): Promise<number> {
    if (Date.now() - this.probedAt < PROBE_EVERY_MS) return this.online;
    this.probing ??= (async () => {
      try {
        const info = String(await this.redis.call('INFO', 'replication'));
        // One line per replica: `slave0:ip=...,port=...,state=online,offset=...,lag=0`.
        this.online = info.split('\n').filter((line) => /^slave\d+:.*state=online/.test(line)).length;
        this.probedAt = Date.now();
        return this.online;
      } finally {
        this.probing = undefined;
      }
    })();
    return this.probing;
  }
}

/** Replicas to wait for: REDIS_WAIT_REPLICAS, else 1 with Sentinel (a replica is expected there). */
export function replicaWaitOf(s: { REDIS_SENTINELS?: string | undefined; REDIS_WAIT_REPLICAS?: number | undefined; REDIS_WAIT_TIMEOUT_MS: number }): {
  waitReplicas: number;
  waitTimeoutMs: number;
} {
  return { waitReplicas: s.REDIS_WAIT_REPLICAS ?? (s.REDIS_SENTINELS ? 1 : 0), waitTimeoutMs: s.REDIS_WAIT_TIMEOUT_MS };
}
