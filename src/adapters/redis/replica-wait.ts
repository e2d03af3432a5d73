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
 * never hidden, and not turned into an error (the write did happen; refusing writes without
 * replicas is the server's `min-replicas-to-write`).
 */
import type { RedisConnection } from './connection.js';

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

  /** Counts connection closes: a WAIT answered on a newer connection says nothing of the write. */
  private epoch = 0;

  constructor(
    private readonly redis: RedisConnection,
    private readonly o: ReplicaWaitOptions,
  ) {
    redis.on('close', () => {
      this.epoch++;
      this.probedAt = 0;
    });
  }

  /**
   * Call in the same tick as the write's reply arrives (no event, so no reconnect, can come in
   * between), so the write and WAIT are known to run on one connection. Throws when the
   * connection failed between the write and WAIT's answer (ioredis would resend WAIT to the new
   * master, where it proves nothing): whether the write survives is then unknown, so the caller
   * must not report it as done, as with a connection error after any write. Too few
   * acknowledgements are logged, not thrown.
   */
  async afterWrite(): Promise<void> {
    const since = this.epoch;
    let outcome: { acked: true } | { acked: false; why: string };
    try {
      const online = await this.onlineReplicas();
      this.assertSame(since);
      if (online < this.o.replicas) {
        outcome = { acked: false, why: `${online} replica(s) online` };
      } else {
        const acked = Number(await this.redis.call('WAIT', this.o.replicas, this.o.timeoutMs));
        this.assertSame(since); // checked in the same tick the answer arrives: no close slips in
        outcome =
          acked >= this.o.replicas
            ? { acked: true }
            : { acked: false, why: `${acked} replica(s) acknowledged within ${this.o.timeoutMs} ms` };
        if (!outcome.acked) this.probedAt = 0; // look again: a replica counted online did not answer
      }
    } catch (err) {
      this.unreplicated(`WAIT failed: ${(err as Error).message}`);
      throw new Error(`redis write not confirmed by a replica: ${(err as Error).message}`);
    }
    if (outcome.acked) return this.acknowledged();
    this.unreplicated(outcome.why);
  }

  private assertSame(since: number): void {
    if (this.epoch !== since) throw new Error('the connection closed after the write');
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
      'redis writes are not acknowledged by a replica: they stand on the master alone and a failover now could lose them' +
        ' (further warnings suppressed until replicas acknowledge again)',
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
export function replicaWaitOf(s: {
  REDIS_SENTINELS?: string | undefined;
  REDIS_WAIT_REPLICAS?: number | undefined;
  REDIS_WAIT_TIMEOUT_MS: number;
}): {
  waitReplicas: number;
  waitTimeoutMs: number;
} {
  return { waitReplicas: s.REDIS_WAIT_REPLICAS ?? (s.REDIS_SENTINELS ? 1 : 0), waitTimeoutMs: s.REDIS_WAIT_TIMEOUT_MS };
}
