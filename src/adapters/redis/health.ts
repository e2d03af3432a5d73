import type { StorageHealth } from '../../core/ports/store.js';
import type { RedisConnection } from './connection.js';

/**
 * Storage health from the ioredis connection's own state (`status`, and its close / reconnecting /
 * ready events): no command is sent, so asking costs nothing and never waits on a dead server.
 * A server that is frozen (SIGSTOP) keeps its socket open and looks ready here; a restart, a crash,
 * a failover or a network reset closes the socket and is seen at once.
 */
export class RedisHealth implements StorageHealth {
  private down = false;
  /** When the connection was last seen not ready (the end of the last outage, once it is over). */
  private lastDownAt: number | undefined;
  private readonly listeners: Array<() => void> = [];

  constructor(
    private readonly redis: RedisConnection,
    private readonly now: () => number = () => Date.now(),
  ) {
    // Not connected yet is not an outage (nothing was lost): only a failed or closed connection is.
    this.down = redis.status !== 'ready';
    const lost = () => {
      this.down = true;
      this.lastDownAt = this.now();
    };
    redis.on('close', lost);
    redis.on('reconnecting', lost);
    redis.on('end', lost);
    redis.on('ready', () => {
      if (!this.down) return;
      this.down = false;
      if (this.lastDownAt !== undefined) this.lastDownAt = this.now();
      for (const fn of this.listeners) fn();
    });
  }

  available(): boolean {
    return this.redis.status === 'ready';
  }

  unavailableWithin(ms: number): boolean {
    if (!this.available()) return true;
    return this.lastDownAt !== undefined && this.now() - this.lastDownAt < ms;
  }

  whenAvailable(maxMs: number): Promise<boolean> {
    if (this.available()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (ok: boolean) => {
        clearTimeout(timer);
        this.redis.off('ready', onReady);
        this.redis.off('reconnecting', onRetry);
        this.redis.off('end', onRetry);
        resolve(ok);
      };
      const onReady = () => done(true);
      // ioredis schedules the next reconnect only after an attempt failed.
      const onRetry = () => done(false);
      const timer = setTimeout(() => done(this.available()), maxMs);
      this.redis.on('ready', onReady);
      this.redis.on('reconnecting', onRetry);
      this.redis.on('end', onRetry);
    });
  }

  onAvailable(fn: () => void): void {
    this.listeners.push(fn);
  }
}
