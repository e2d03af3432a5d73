/**
 * Store port on Redis (ioredis). Every key starts with the braced prefix (e.g. `{switchyard}`), so
 * all keys hash to one Redis Cluster slot and multi-key commands (MGET, DEL k1 k2) stay legal.
 *
 * `update()` is optimistic: GET, compute, then a Lua compare-and-set that writes only if the key
 * still holds what was read, retried on a concurrent change. WATCH/MULTI is avoided on purpose:
 * WATCH state belongs to the connection, so concurrent updates sharing one connection would clear
 * each other's guard, and serialising them per connection made every update in a process wait in
 * line. Multi-step operations use Lua for the same reason.
 */
import type { Redis } from 'ioredis';

import { ABORT, type Store, type StreamEntry } from '../../core/ports/store.js';

const MAX_UPDATE_ATTEMPTS = 50;
const DEFAULT_STREAM_MAXLEN = 10_000;
const PING_TIMEOUT_MS = 1000;

/** Deletes the key only while it still holds the caller's owner token. */
/**
 * Compare-and-set for update(): writes only if the key still holds exactly what was read (or is
 * still absent). Lock-free and safe on a shared connection, unlike WATCH, whose state belongs to
 * the connection rather than the caller.
 * ARGV: existed ('0'|'1'), expected value, 'set'|'del', new value, ttl ms ('' keeps the TTL).
 */
const CAS_LUA = `
local cur = redis.call('GET', KEYS[1])
if ARGV[1] == '0' then
  if cur then return 0 end
elseif cur ~= ARGV[2] then
  return 0
end
if ARGV[3] == 'del' then
  redis.call('DEL', KEYS[1])
elseif ARGV[5] ~= '' then
  redis.call('SET', KEYS[1], ARGV[4], 'PX', tonumber(ARGV[5]))
else
  redis.call('SET', KEYS[1], ARGV[4], 'KEEPTTL')
end
return 1`;

const RELEASE_LUA = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;
/** RPUSH values then keep only the newest ARGV[1] entries (0 = no cap); returns the final length. */
const LIST_PUSH_LUA = `
local n = redis.call('RPUSH', KEYS[1], unpack(ARGV, 2))
local cap = tonumber(ARGV[1])
if cap > 0 and n > cap then
  redis.call('LTRIM', KEYS[1], -cap, -1)
  return cap
end
return n`;

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

export class RedisStore implements Store {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {
    if (!prefix || /\s/.test(prefix)) throw new TypeError(`RedisStore: invalid key prefix "${prefix}"`);
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
    return result === 'OK';
  }

  /**
   * Without `ttlMs` the key keeps whatever expiry it had (SET ... KEEPTTL); with it, the expiry is
   * reset to `ttlMs`. Throws after MAX_UPDATE_ATTEMPTS lost races. A connection error is not
   * retried (the EXEC may have been applied), it propagates to the caller.
   */
  async update<T>(key: string, fn: (current: T | null) => T | null | typeof ABORT, opts: { ttlMs?: number } = {}): Promise<T | null> {
    const ttlMs = opts.ttlMs === undefined ? undefined : positiveInt(opts.ttlMs, 'ttlMs');
    for (let attempt = 1; attempt <= MAX_UPDATE_ATTEMPTS; attempt++) {
      const outcome = await this.tryUpdate(key, fn, ttlMs);
      if (outcome.done) return outcome.value;
      // Lost a race: back off a little (jittered, growing) so competing writers spread out.
      await sleep(Math.random() * Math.min(2 + attempt * 2, 50));
    }
    throw new Error(`RedisStore.update: gave up on ${key} after ${MAX_UPDATE_ATTEMPTS} concurrent modifications`);
  }

  private async tryUpdate<T>(
    key: string,
    fn: (current: T | null) => T | null | typeof ABORT,
    ttlMs: number | undefined,
  ): Promise<{ done: true; value: T | null } | { done: false }> {
    const raw = await this.redis.get(key);
    const current = parseJson<T>(raw);
    const next = fn(current);
    if (next === ABORT) return { done: true, value: current };
    const applied = await this.redis.eval(
      CAS_LUA,
      1,
      key,
      raw === null ? '0' : '1',
      raw ?? '',
      next === null ? 'del' : 'set',
      next === null ? '' : toJson(next),
      ttlMs === undefined ? '' : String(ttlMs),
    );
    return applied === 1 ? { done: true, value: next } : { done: false };
  }


  async del(...keys: string[]): Promise<number> {
    if (keys.length === 0) return 0;
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

  async release(key: string, owner: string): Promise<boolean> {
    const deleted = await this.redis.eval(RELEASE_LUA, 1, key, owner);
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

  async listPush(key: string, values: string[], maxLen?: number): Promise<number> {
    if (values.length === 0) return this.redis.llen(key);
    const cap = maxLen === undefined ? 0 : positiveInt(maxLen, 'maxLen');
    return (await this.redis.eval(LIST_PUSH_LUA, 1, key, cap, ...values)) as number;
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
    return id;
  }

  async streamRange(key: string, opts: { fromMs?: number; toMs?: number; count?: number; rev?: boolean } = {}): Promise<StreamEntry[]> {
    const start = opts.fromMs === undefined ? '-' : `${Math.max(0, Math.floor(opts.fromMs))}-0`;
    const end = opts.toMs === undefined ? '+' : `${Math.max(0, Math.floor(opts.toMs))}-18446744073709551615`;
    const args: Array<string | number> = opts.rev ? [key, end, start] : [key, start, end];
    if (opts.count !== undefined) args.push('COUNT', positiveInt(opts.count, 'count'));
    const raw = await this.redis.call(opts.rev ? 'XREVRANGE' : 'XRANGE', ...args);
    return toStreamEntries(raw as RawStreamEntry[]);
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
