/**
 * Store port on Redis (ioredis). Every key starts with the braced prefix (e.g. `{switchyard}`), so
 * all keys hash to one Redis Cluster slot and multi-key commands (MGET, DEL k1 k2) stay legal.
 *
 * `update()` is optimistic: GET, compute, then a Lua compare-and-set that writes only if the key
 * still holds what was read, retried on a concurrent change. WATCH/MULTI is avoided on purpose:
 * WATCH state belongs to the connection, so concurrent updates sharing one connection would clear
 * each other's guard, and serialising them per connection made every update in a process wait in
 * line. Multi-step operations use Lua for the same reason.
 *
 * With `waitReplicas`, document writes (setJson, an applied update: runs, gates, incidents) and
 * stream appends (the audit trail) wait for replicas (WAIT, see replica-wait.ts).
 */
import type { RedisConnection } from './connection.js';

import { ABORT, type StorageHealth, type Store, type StreamEntry } from '../../core/ports/store.js';

import { silentLogger, type Logger } from '../../core/ports/runtime.js';
import { RedisHealth } from './health.js';
import { ReplicaWait } from './replica-wait.js';
import { CAS_LUA, EXTEND_LUA, LIST_PUSH_LUA, RELEASE_LUA } from './scripts.js';

const MAX_UPDATE_ATTEMPTS = 50;
/** Keys whose last seen value update() remembers (see `seen`), and the largest value remembered. */
const SEEN_KEYS = 256;
const SEEN_MAX_CHARS = 64 * 1024;
const DEFAULT_STREAM_MAXLEN = 10_000;
const PING_TIMEOUT_MS = 1000;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function parseJson<T>(raw: string | null): T | null {
  return raw === null ? null : (JSON.parse(raw) as T);
}

function toJson(value: unknown): string {
  const text = JSON.stringify(value);
  if (text === undefined) throw new TypeError('RedisStore: value is not JSON-serialisable');
  return text;
}

function parseScore(raw: string): number {
  if (raw === 'inf' || raw === '+inf') return Number.POSITIVE_INFINITY;
  if (raw === '-inf') return Number.NEGATIVE_INFINITY;
  return Number(raw);
}

function scoreArg(value: number | undefined, fallback: '-inf' | '+inf'): string {
  if (value === undefined) return fallback;
  if (Number.isNaN(value)) throw new RangeError('RedisStore: score bound is NaN');
  if (value === Number.POSITIVE_INFINITY) return '+inf';
  if (value === Number.NEGATIVE_INFINITY) return '-inf';
  return String(value);
}

function positiveInt(value: number, what: string): number {
  if (!Number.isInteger(value) || value <= 0) throw new RangeError(`RedisStore: ${what} must be a positive integer, got ${value}`);
  return value;
}

type RawStreamEntry = [id: string, fields: string[]];

function toStreamEntries(raw: RawStreamEntry[]): StreamEntry[] {
  return raw.map(([id, flat]) => {
    const fields: Record<string, string> = {};
    for (let i = 0; i + 1 < flat.length; i += 2) fields[flat[i] as string] = flat[i + 1] as string;
    return { id, fields };
  });
}

/** A Lua script run by SHA: `(keys, args) => reply`. */
export type Script<R = unknown> = (keys: readonly string[], args: ReadonlyArray<string | number>) => Promise<R>;

type ScriptCaller = (...keysAndArgs: Array<string | number>) => Promise<unknown>;

/**
 * Scripts are registered with ioredis `defineCommand`: the script body crosses the wire once
 * (SCRIPT LOAD on the first NOSCRIPT), every later call is EVALSHA with the 40-byte digest, so a
 * hot path such as update() no longer ships its Lua source on every call.
 */
export class RedisStore implements Store {
  private readonly defined = new Map<string, string>();
  private readonly cas: Script<1 | [0, string | null]>;
  /**
   * The value update() last read or wrote per key, most recent last: the guess its compare-and-set
   * starts from. Never trusted on its own: the script compares it with what Redis holds.
   */
  private readonly seen = new Map<string, string>();
  private readonly releaseScript: Script<number>;
  private readonly extendScript: Script<number>;
  private readonly listPushScript: Script<number>;
  /** Set when writes that must not be lost wait for replicas. */
  readonly replicaWait: ReplicaWait | undefined;

  constructor(
    private readonly redis: RedisConnection,
    private readonly prefix: string,
    opts: { waitReplicas?: number; waitTimeoutMs?: number; log?: Logger } = {},
  ) {
    if (!prefix || /\s/.test(prefix)) throw new TypeError(`RedisStore: invalid key prefix "${prefix}"`);
    const { waitReplicas, waitTimeoutMs = 500, log = silentLogger } = opts;
    if (waitReplicas) this.replicaWait = new ReplicaWait(redis, { replicas: waitReplicas, timeoutMs: waitTimeoutMs, log });
    this.cas = this.script('switchyardCasFetch', 1, CAS_LUA);
    this.releaseScript = this.script('switchyardRelease', 1, RELEASE_LUA);
    this.extendScript = this.script('switchyardExtend', 1, EXTEND_LUA);
    this.listPushScript = this.script('switchyardListPushTtl', 1, LIST_PUSH_LUA);
  }

  /**
   * Registers a Lua script under `name` on this connection and returns its caller (EVALSHA, with
   * ioredis falling back to EVAL once when Redis answers NOSCRIPT, e.g. after a restart or a
   * SCRIPT FLUSH). For adapters that need atomic multi-key steps (the Slack outbox queue).
   * Registering a name again with a different body is a programming error.
   */
  script<R = unknown>(name: string, numberOfKeys: number, lua: string): Script<R> {
    if (!/^[A-Za-z][A-Za-z0-9]*$/.test(name)) throw new TypeError(`RedisStore.script: invalid name "${name}"`);
    const known = this.defined.get(name);
    if (known !== undefined && known !== lua) throw new Error(`RedisStore.script: ${name} registered twice with different bodies`);
    // ioredis adds a method per defineCommand() at run time: the type cannot know its name.
    const target: Record<string, unknown> = this.redis as RedisConnection & Record<string, unknown>;
    if (known === undefined) {
      // Another RedisStore on the same connection may have defined it already; same body, same SHA.
      if (typeof target[name] !== 'function') this.redis.defineCommand(name, { numberOfKeys, lua });
      this.defined.set(name, lua);
    }
    return async (keys, args) => {
      if (keys.length !== numberOfKeys) throw new TypeError(`RedisStore.script ${name}: expects ${numberOfKeys} keys, got ${keys.length}`);
      return (await (target[name] as ScriptCaller).call(this.redis, ...keys, ...args)) as R;
    };
  }

  key(...parts: string[]): string {
    if (parts.length === 0) throw new TypeError('RedisStore.key: at least one part is required');
    for (const part of parts) {
      if (typeof part !== 'string' || part.length === 0) throw new TypeError('RedisStore.key: parts must be non-empty strings');
      if (/\s/.test(part)) throw new TypeError(`RedisStore.key: part ${JSON.stringify(part)} contains whitespace`);
    }
    return `${this.prefix}:${parts.join(':')}`;
  }

  async getJson<T>(key: string): Promise<T | null> {
    return parseJson<T>(await this.redis.get(key));
  }

  async getManyJson<T>(keys: string[]): Promise<Array<T | null>> {
    if (keys.length === 0) return [];
    const raws = await this.redis.mget(...keys);
    return raws.map((raw) => parseJson<T>(raw));
  }

  async setJson(key: string, value: unknown, opts: { ttlMs?: number; onlyIfAbsent?: boolean } = {}): Promise<boolean> {
    const text = toJson(value);
    const args: Array<string | number> = [];
    if (opts.ttlMs !== undefined) args.push('PX', positiveInt(opts.ttlMs, 'ttlMs'));
    if (opts.onlyIfAbsent) args.push('NX');
    const result = await this.redis.call('SET', key, text, ...args);
    if (result === 'OK') await this.replicaWait?.afterWrite();
    return result === 'OK';
  }

  /**
   * Without `ttlMs` the key keeps whatever expiry it had (SET ... KEEPTTL); with it, the expiry is
   * reset to `ttlMs`. Throws after MAX_UPDATE_ATTEMPTS lost races. A connection error is not
   * retried (the write may have been applied), it propagates to the caller.
   *
   * The first try computes from the value this store last saw for the key, without reading it: the
   * compare-and-set writes only if Redis still holds exactly that, and otherwise answers with what
   * it holds, from which `fn` is run again. A decision that writes nothing (ABORT) or throws is only
   * taken on a value read from Redis in this call, never on the remembered guess.
   */
  async update<T>(key: string, fn: (current: T | null) => T | null | typeof ABORT, opts: { ttlMs?: number } = {}): Promise<T | null> {
    const ttlMs = opts.ttlMs === undefined ? undefined : positiveInt(opts.ttlMs, 'ttlMs');
    let known: { raw: string | null; read: boolean } = this.seen.has(key)
      ? { raw: this.seen.get(key)!, read: false }
      : { raw: await this.redis.get(key), read: true };
    for (let attempt = 1; attempt <= MAX_UPDATE_ATTEMPTS; attempt++) {
      const { raw, read } = known;
      let next: T | null | typeof ABORT;
      try {
        next = fn(parseJson<T>(raw));
      } catch (err) {
        if (read) throw err;
        known = { raw: await this.redis.get(key), read: true };
        continue;
      }
      if (next === ABORT) {
        if (!read) {
          known = { raw: await this.redis.get(key), read: true };
          continue;
        }
        this.remember(key, raw);
        return parseJson<T>(raw);
      }
      const text = next === null ? null : toJson(next);
      const reply = await this.cas(
        [key],
        [raw === null ? '0' : '1', raw ?? '', text === null ? 'del' : 'set', text ?? '', ttlMs === undefined ? '' : String(ttlMs)],
      );
      if (reply === 1) {
        this.remember(key, text);
        await this.replicaWait?.afterWrite();
        return next;
      }
      known = { raw: reply[1] ?? null, read: true };
      this.remember(key, known.raw);
      // A lost race against another writer (not a stale guess): back off a little (jittered, growing).
      if (read) await sleep(Math.random() * Math.min(2 + attempt * 2, 50));
    }
    throw new Error(`RedisStore.update: gave up on ${key} after ${MAX_UPDATE_ATTEMPTS} concurrent modifications`);
  }

  private remember(key: string, raw: string | null): void {
    this.seen.delete(key);
    if (raw === null || raw.length > SEEN_MAX_CHARS) return;
    this.seen.set(key, raw);
    if (this.seen.size > SEEN_KEYS) this.seen.delete(this.seen.keys().next().value!);
  }

  async del(...keys: string[]): Promise<number> {
    if (keys.length === 0) return 0;
    for (const k of keys) this.seen.delete(k);
    return this.redis.del(...keys);
  }

  async exists(key: string): Promise<boolean> {
    return (await this.redis.exists(key)) === 1;
  }

  async incr(key: string, by = 1): Promise<number> {
    if (Number.isInteger(by)) return this.redis.incrby(key, by);
    return Number(await this.redis.incrbyfloat(key, by));
  }

  async claim(key: string, ttlMs: number, owner = '1'): Promise<boolean> {
    const result = await this.redis.set(key, owner, 'PX', positiveInt(ttlMs, 'ttlMs'), 'NX');
    return result === 'OK';
  }

  async extend(key: string, ttlMs: number, owner: string): Promise<boolean> {
    return (await this.extendScript([key], [owner, String(positiveInt(ttlMs, 'ttlMs'))])) === 1;
  }

  async release(key: string, owner: string): Promise<boolean> {
    const deleted = await this.releaseScript([key], [owner]);
    return deleted === 1;
  }

  async expire(key: string, ttlMs: number): Promise<void> {
    await this.redis.pexpire(key, positiveInt(ttlMs, 'ttlMs'));
  }

  async setAdd(key: string, ...members: string[]): Promise<number> {
    if (members.length === 0) return 0;
    return this.redis.sadd(key, ...members);
  }

  async setRemove(key: string, ...members: string[]): Promise<number> {
    if (members.length === 0) return 0;
    return this.redis.srem(key, ...members);
  }

  async setMembers(key: string): Promise<string[]> {
    return this.redis.smembers(key);
  }

  async zAdd(key: string, score: number, member: string): Promise<void> {
    if (Number.isNaN(score)) throw new RangeError('RedisStore.zAdd: score is NaN');
    await this.redis.zadd(key, scoreArg(score, '-inf'), member);
  }

  async zRemove(key: string, ...members: string[]): Promise<number> {
    if (members.length === 0) return 0;
    return this.redis.zrem(key, ...members);
  }

  async zRange(
    key: string,
    opts: { min?: number; max?: number; rev?: boolean; limit?: number } = {},
  ): Promise<Array<{ member: string; score: number }>> {
    const min = scoreArg(opts.min, '-inf');
    const max = scoreArg(opts.max, '+inf');
    // ZRANGE key start stop BYSCORE [REV] [LIMIT offset count] WITHSCORES; with REV, start is the max.
    const args: Array<string | number> = opts.rev ? [key, max, min, 'BYSCORE', 'REV'] : [key, min, max, 'BYSCORE'];
    if (opts.limit !== undefined) {
      if (!Number.isInteger(opts.limit) || opts.limit < 0) throw new RangeError('RedisStore.zRange: limit must be a non-negative integer');
      if (opts.limit === 0) return [];
      args.push('LIMIT', 0, opts.limit);
    }
    args.push('WITHSCORES');
    const flat = (await this.redis.call('ZRANGE', ...args)) as string[];
    const out: Array<{ member: string; score: number }> = [];
    for (let i = 0; i + 1 < flat.length; i += 2) out.push({ member: flat[i] as string, score: parseScore(flat[i + 1] as string) });
    return out;
  }

  async listPush(key: string, values: string[], maxLen?: number, ttlMs?: number): Promise<number> {
    if (values.length === 0) return this.redis.llen(key);
    const cap = maxLen === undefined ? 0 : positiveInt(maxLen, 'maxLen');
    return this.listPushScript([key], [cap, ttlMs === undefined ? '' : positiveInt(ttlMs, 'ttlMs'), ...values]);
  }

  async listRange(key: string, start: number, stop: number): Promise<string[]> {
    return this.redis.lrange(key, start, stop);
  }

  /** Without `maxLen` the stream is capped at about 10 000 entries. */
  async streamAdd(key: string, fields: Record<string, string>, maxLen = DEFAULT_STREAM_MAXLEN): Promise<string> {
    const flat = Object.entries(fields).flat();
    if (flat.length === 0) throw new TypeError('RedisStore.streamAdd: at least one field is required');
    const id = await this.redis.xadd(key, 'MAXLEN', '~', positiveInt(maxLen, 'maxLen'), '*', ...flat);
    if (id === null) throw new Error(`RedisStore.streamAdd: XADD to ${key} returned no id`);
    await this.replicaWait?.afterWrite();
    return id;
  }

  async streamTrimBefore(key: string, beforeMs: number): Promise<number> {
    if (!Number.isFinite(beforeMs)) throw new RangeError('RedisStore.streamTrimBefore: beforeMs must be finite');
    // Entry ids are `<ms>-<seq>`: MINID <ms>-0 drops exactly the entries appended before that millisecond.
    const removed = (await this.redis.call('XTRIM', key, 'MINID', `${Math.max(0, Math.floor(beforeMs))}-0`)) as number;
    if (removed > 0) await this.replicaWait?.afterWrite();
    return removed;
  }

  async streamRange(key: string, opts: { fromMs?: number; toMs?: number; count?: number; rev?: boolean } = {}): Promise<StreamEntry[]> {
    const start = opts.fromMs === undefined ? '-' : `${Math.max(0, Math.floor(opts.fromMs))}-0`;
    const end = opts.toMs === undefined ? '+' : `${Math.max(0, Math.floor(opts.toMs))}-18446744073709551615`;
    const args: Array<string | number> = opts.rev ? [key, end, start] : [key, start, end];
    if (opts.count !== undefined) args.push('COUNT', positiveInt(opts.count, 'count'));
    const raw = await this.redis.call(opts.rev ? 'XREVRANGE' : 'XRANGE', ...args);
    return toStreamEntries(raw as RawStreamEntry[]);
  }

  private healthProbe: RedisHealth | undefined;

  /** The connection's state, without a round trip (see health.ts). */
  health(): StorageHealth {
    return (this.healthProbe ??= new RedisHealth(this.redis));
  }

  /** False when the connection is not ready or PING does not answer within a second. */
  async ping(): Promise<boolean> {
    if (this.redis.status !== 'ready') return false;
    let timer: NodeJS.Timeout | undefined;
    try {
      const timeout = new Promise<string>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), PING_TIMEOUT_MS);
      });
      return (await Promise.race([this.redis.ping(), timeout])) === 'PONG';
    } catch {
      return false;
    } finally {
      clearTimeout(timer);
    }
  }
}
