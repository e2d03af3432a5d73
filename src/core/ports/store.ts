/**
 * The persistence port. Domain code keeps every state that matters (runs, gates, incidents, plans,
 * audit) through this interface; src/adapters/redis implements it on Redis. Keys are built with
 * `key(...)`, which applies the deployment's (or the test's) prefix, so nothing else knows Redis
 * key layout rules.
 */
export const ABORT = Symbol('abort-update');

export interface StreamEntry {
  id: string;
  fields: Record<string, string>;
}

export interface Store {
  /** Namespaced key from parts: `key('run', id)` -> `{switchyard}:run:<id>`. */
  key(...parts: string[]): string;

  getJson<T>(key: string): Promise<T | null>;
  getManyJson<T>(keys: string[]): Promise<Array<T | null>>;
  /** Returns false when `onlyIfAbsent` was set and the key existed. */
  setJson(key: string, value: unknown, opts?: { ttlMs?: number; onlyIfAbsent?: boolean }): Promise<boolean>;
  /**
   * Atomic read-modify-write of one JSON document (optimistic: retried on concurrent change).
   * `fn` may be called more than once, so it must be pure. Return ABORT to leave the key as it is
   * (the current value is returned); return null to delete it.
   */
  update<T>(key: string, fn: (current: T | null) => T | null | typeof ABORT, opts?: { ttlMs?: number }): Promise<T | null>;
  del(...keys: string[]): Promise<number>;
  exists(key: string): Promise<boolean>;
  incr(key: string, by?: number): Promise<number>;
  /** SET NX with expiry: true for the first caller only. Deduplication and leases. */
  claim(key: string, ttlMs: number, owner?: string): Promise<boolean>;
  /** Extends a lease's ttl only while it still holds `owner` (a long holder renews as it goes). */
  extend(key: string, ttlMs: number, owner: string): Promise<boolean>;
  /** Deletes the key only when it still holds `owner` (safe lease release). */
  release(key: string, owner: string): Promise<boolean>;
  expire(key: string, ttlMs: number): Promise<void>;

  setAdd(key: string, ...members: string[]): Promise<number>;
  setRemove(key: string, ...members: string[]): Promise<number>;
  setMembers(key: string): Promise<string[]>;

  zAdd(key: string, score: number, member: string): Promise<void>;
  zRemove(key: string, ...members: string[]): Promise<number>;
  /** Members by score, ascending (or descending with `rev`), with scores. */
  zRange(
    key: string,
    opts?: { min?: number; max?: number; rev?: boolean; limit?: number },
  ): Promise<Array<{ member: string; score: number }>>;

  /** Appends, then trims to the newest `maxLen` entries; with `ttlMs`, the list expires that long after this push. */
  listPush(key: string, values: string[], maxLen?: number, ttlMs?: number): Promise<number>;
  listRange(key: string, start: number, stop: number): Promise<string[]>;

  /** Redis stream append with approximate cap; returns the entry id (ms-seq). */
  streamAdd(key: string, fields: Record<string, string>, maxLen?: number): Promise<string>;
  streamRange(key: string, opts?: { fromMs?: number; toMs?: number; count?: number; rev?: boolean }): Promise<StreamEntry[]>;
  /** Removes every entry whose id time is before `beforeMs` (XTRIM MINID, exact); returns how many. */
  streamTrimBefore(key: string, beforeMs: number): Promise<number>;

  /** True when the backing store answers. */
  ping(): Promise<boolean>;

  /** The connection's state, known without a round trip (absent on stores that cannot tell). */
  health?(): StorageHealth;
}

/**
 * Whether the store can be reached right now, from the connection's own state: during an outage a
 * request is refused at once instead of waiting through the client's reconnect retries.
 */
export interface StorageHealth {
  /** False while the connection is down (closed, reconnecting, not ready yet). */
  available(): boolean;
  /** True when the store is unavailable now or was at some moment in the last `ms`. */
  unavailableWithin(ms: number): boolean;
  /**
   * For a request arriving while the store is unavailable: resolves true as soon as it is available
   * again, false once the client's next try to reach it failed (or after `maxMs`). A failover that
   * has just ended is then not refused; a store that is down is refused within one reconnect delay.
   */
  whenAvailable(maxMs: number): Promise<boolean>;
  /** Called each time the store becomes available again after it was not. */
  onAvailable(fn: () => void): void;
}
