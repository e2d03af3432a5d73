import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createRedis, waitForRedis } from '../../src/adapters/redis/connection.js';
import { RedisStore } from '../../src/adapters/redis/store.js';
import { ABORT } from '../../src/core/ports/store.js';
import { cleanupPrefix, escapeGlob, REDIS_URL, testPrefix, waitFor } from '../support/redis.js';

const prefix = testPrefix('store');
const silent = { debug() {}, info() {}, warn() {}, error() {}, child: () => silent };
let redis: Redis;
let store: RedisStore;
const extra: Redis[] = [];

beforeAll(async () => {
  redis = createRedis(REDIS_URL, { name: 'test-store', log: silent });
  store = new RedisStore(redis, prefix);
});

afterAll(async () => {
  await cleanupPrefix(redis, prefix);
  await Promise.all([redis, ...extra].map((r) => r.quit()));
});

describe('connection', () => {
  it('waitForRedis answers true for a live Redis and false for a closed port', async () => {
    expect(await waitForRedis(REDIS_URL, 2000)).toBe(true);
    expect(await waitForRedis('redis://127.0.0.1:1', 250)).toBe(false);
  });

  it('ping reports the connection', async () => {
    expect(await store.ping()).toBe(true);
  });
});

describe('key', () => {
  it('joins parts under the braced prefix', () => {
    expect(store.key('run', 'abc')).toBe(`${prefix}:run:abc`);
  });

  it('rejects empty parts, no parts and whitespace', () => {
    expect(() => store.key()).toThrow(/at least one/);
    expect(() => store.key('run', '')).toThrow(/non-empty/);
    expect(() => store.key('run', 'a b')).toThrow(/whitespace/);
    expect(() => store.key('run\n')).toThrow(/whitespace/);
  });
});

describe('JSON documents', () => {
  it('round-trips, reads many, deletes and tests existence', async () => {
    const a = store.key('doc', 'a');
    const b = store.key('doc', 'b');
    expect(await store.getJson(a)).toBeNull();
    expect(await store.setJson(a, { n: 1, s: 'x', list: [1, 2] })).toBe(true);
    expect(await store.getJson(a)).toEqual({ n: 1, s: 'x', list: [1, 2] });
    expect(await redis.get(a)).toBe('{"n":1,"s":"x","list":[1,2]}');
    await store.setJson(b, 'text');
    expect(await store.getManyJson([a, store.key('doc', 'missing'), b])).toEqual([{ n: 1, s: 'x', list: [1, 2] }, null, 'text']);
    expect(await store.getManyJson([])).toEqual([]);
    expect(await store.exists(a)).toBe(true);
    expect(await store.del(a, b, store.key('doc', 'missing'))).toBe(2);
    expect(await store.exists(a)).toBe(false);
    expect(await store.del()).toBe(0);
  });

  it('onlyIfAbsent refuses an existing key', async () => {
    const k = store.key('doc', 'nx');
    expect(await store.setJson(k, 1, { onlyIfAbsent: true })).toBe(true);
    expect(await store.setJson(k, 2, { onlyIfAbsent: true })).toBe(false);
    expect(await store.getJson(k)).toBe(1);
  });

  it('ttlMs expires the document', async () => {
    const k = store.key('doc', 'ttl');
    await store.setJson(k, { v: 1 }, { ttlMs: 80 });
    const pttl = await redis.pttl(k);
    expect(pttl).toBeGreaterThan(0);
    expect(pttl).toBeLessThanOrEqual(80);
    await waitFor(async () => !(await store.exists(k)), 2000, 'key expired');
  });
});

describe('update', () => {
  it('creates, modifies, aborts and deletes', async () => {
    const k = store.key('upd', 'basic');
    expect(await store.update<{ n: number }>(k, (cur) => ({ n: (cur?.n ?? 0) + 1 }))).toEqual({ n: 1 });
    expect(await store.update<{ n: number }>(k, (cur) => ({ n: (cur?.n ?? 0) + 1 }))).toEqual({ n: 2 });
    expect(await store.update<{ n: number }>(k, () => ABORT)).toEqual({ n: 2 });
    expect(await store.getJson(k)).toEqual({ n: 2 });
    expect(await store.update(k, () => null)).toBeNull();
    expect(await store.exists(k)).toBe(false);
    // ABORT on a missing key leaves it missing
    expect(await store.update(k, () => ABORT)).toBeNull();
    expect(await store.exists(k)).toBe(false);
  });

  it('sets a TTL when asked and otherwise keeps the existing one', async () => {
    const k = store.key('upd', 'ttl');
    await store.update<number>(k, () => 1, { ttlMs: 60_000 });
    expect(await redis.pttl(k)).toBeGreaterThan(50_000);
    await store.update<number>(k, (n) => (n ?? 0) + 1);
    expect(await redis.pttl(k)).toBeGreaterThan(50_000);
    expect(await store.getJson(k)).toBe(2);
  });

  it('20 parallel callers on one connection all land', async () => {
    const k = store.key('upd', 'counter-one');
    await Promise.all(Array.from({ length: 20 }, () => store.update<{ count: number }>(k, (cur) => ({ count: (cur?.count ?? 0) + 1 }))));
    expect(await store.getJson(k)).toEqual({ count: 20 });
  });

  it('20 parallel callers over 4 connections (real WATCH conflicts) all land', async () => {
    const k = store.key('upd', 'counter-many');
    const stores = Array.from({ length: 4 }, (_, i) => {
      const r = createRedis(REDIS_URL, { name: `test-store-${i}`, log: silent });
      extra.push(r);
      return new RedisStore(r, prefix);
    });
    let calls = 0;
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        stores[i % stores.length]!.update<{ count: number }>(k, (cur) => {
          calls += 1;
          return { count: (cur?.count ?? 0) + 1 };
        }),
      ),
    );
    expect(await store.getJson(k)).toEqual({ count: 20 });
    expect(calls).toBeGreaterThanOrEqual(20);
  });
});

describe('scripts by SHA', () => {
  // What Redis receives, seen through MONITOR: the Lua source crosses the wire at most once per
  // connection (after NOSCRIPT), every other update is an EVALSHA of the digest.
  it('update() calls its compare-and-set by EVALSHA', async () => {
    const fresh = createRedis(REDIS_URL, { name: 'test-store-sha', log: silent });
    extra.push(fresh);
    const shaStore = new RedisStore(fresh, prefix);
    const k = shaStore.key('upd', 'by-sha');
    const monitor = await redis.monitor();
    const seen: string[] = [];
    monitor.on('monitor', (_time: string, args: string[]) => {
      if (args.includes(k)) seen.push(String(args[0]).toLowerCase());
    });
    for (let i = 0; i < 5; i++) await shaStore.update<number>(k, (n) => (n ?? 0) + 1);
    for (let i = 0; i < 5; i++) await shaStore.update<number>(k, (n) => (n ?? 0) + 1);
    const scripted = () => seen.filter((c) => c === 'eval' || c === 'evalsha');
    await waitFor(() => scripted().length >= 10, 2000, `ten script calls seen (${seen.join(' ')})`);
    await monitor.disconnect();
    expect(await shaStore.getJson(k)).toBe(10);
    // At most one EVAL (the first call, if Redis did not know the script yet); never one per update.
    expect(seen.filter((c) => c === 'eval').length).toBeLessThanOrEqual(1);
    expect(seen.filter((c) => c === 'evalsha').length).toBeGreaterThanOrEqual(9);
  });

  it('refuses one script name with two bodies', () => {
    store.script('testOnce', 1, 'return 1');
    expect(() => store.script('testOnce', 1, 'return 2')).toThrow(/twice/);
    expect(() => store.script('bad name', 1, 'return 1')).toThrow(/invalid name/);
  });
});

describe('counters, claims and leases', () => {
  it('incr by integers and fractions', async () => {
    const k = store.key('ctr', 'a');
    expect(await store.incr(k)).toBe(1);
    expect(await store.incr(k, 5)).toBe(6);
    expect(await store.incr(k, -2)).toBe(4);
    expect(await store.incr(store.key('ctr', 'f'), 0.5)).toBe(0.5);
  });

  it('claim is first-caller-wins; release only by the owner', async () => {
    const k = store.key('lease', 'a');
    expect(await store.claim(k, 10_000, 'worker-1')).toBe(true);
    expect(await store.claim(k, 10_000, 'worker-2')).toBe(false);
    expect(await store.release(k, 'worker-2')).toBe(false);
    expect(await redis.get(k)).toBe('worker-1');
    expect(await store.release(k, 'worker-1')).toBe(true);
    expect(await store.exists(k)).toBe(false);
    expect(await store.claim(k, 10_000, 'worker-2')).toBe(true);
  });

  it('claim defaults the owner to "1" and expires', async () => {
    const k = store.key('lease', 'b');
    expect(await store.claim(k, 60)).toBe(true);
    expect(await redis.get(k)).toBe('1');
    await waitFor(async () => store.claim(k, 60), 2000, 'claim after expiry');
  });

  it('expire sets a TTL in ms', async () => {
    const k = store.key('lease', 'c');
    await store.setJson(k, 1);
    expect(await redis.pttl(k)).toBe(-1);
    await store.expire(k, 30_000);
    expect(await redis.pttl(k)).toBeGreaterThan(20_000);
  });
});

describe('sets and sorted sets', () => {
  it('set add/remove/members', async () => {
    const k = store.key('set', 'a');
    expect(await store.setAdd(k, 'x', 'y', 'x')).toBe(2);
    expect(await store.setAdd(k)).toBe(0);
    expect((await store.setMembers(k)).sort()).toEqual(['x', 'y']);
    expect(await store.setRemove(k, 'x', 'z')).toBe(1);
    expect(await store.setMembers(k)).toEqual(['y']);
  });

  it('zRange by score, reversed, limited', async () => {
    const k = store.key('z', 'a');
    for (const [m, s] of [
      ['a', 1],
      ['b', 2],
      ['c', 3],
      ['d', 4],
      ['e', 5],
    ] as const)
      await store.zAdd(k, s, m);
    await store.zAdd(k, 2.5, 'b'); // re-score
    expect(await store.zRange(k)).toEqual([
      { member: 'a', score: 1 },
      { member: 'b', score: 2.5 },
      { member: 'c', score: 3 },
      { member: 'd', score: 4 },
      { member: 'e', score: 5 },
    ]);
    expect((await store.zRange(k, { min: 2, max: 4 })).map((e) => e.member)).toEqual(['b', 'c', 'd']);
    expect((await store.zRange(k, { min: 2, max: 4, rev: true })).map((e) => e.member)).toEqual(['d', 'c', 'b']);
    expect((await store.zRange(k, { rev: true, limit: 2 })).map((e) => e.member)).toEqual(['e', 'd']);
    expect((await store.zRange(k, { max: 3, limit: 1 })).map((e) => e.member)).toEqual(['a']);
    expect(await store.zRange(k, { limit: 0 })).toEqual([]);
    expect(await store.zRemove(k, 'a', 'e', 'nope')).toBe(2);
    expect((await store.zRange(k)).map((e) => e.member)).toEqual(['b', 'c', 'd']);
  });

  it('zRange returns infinite scores as Infinity', async () => {
    const k = store.key('z', 'inf');
    await store.zAdd(k, Number.POSITIVE_INFINITY, 'top');
    await store.zAdd(k, Number.NEGATIVE_INFINITY, 'bottom');
    expect(await store.zRange(k)).toEqual([
      { member: 'bottom', score: Number.NEGATIVE_INFINITY },
      { member: 'top', score: Number.POSITIVE_INFINITY },
    ]);
  });
});

describe('lists', () => {
  it('listPush keeps the newest maxLen entries', async () => {
    const k = store.key('list', 'a');
    expect(await store.listPush(k, ['1', '2', '3'])).toBe(3);
    expect(await store.listPush(k, ['4', '5'], 4)).toBe(4);
    expect(await store.listRange(k, 0, -1)).toEqual(['2', '3', '4', '5']);
    expect(await store.listPush(k, ['6'], 2)).toBe(2);
    expect(await store.listRange(k, 0, -1)).toEqual(['5', '6']);
    expect(await store.listPush(k, [], 2)).toBe(2);
    expect(await store.listRange(k, -1, -1)).toEqual(['6']);
  });
});

describe('streams', () => {
  it('adds entries and reads them by time range, count and direction', async () => {
    const k = store.key('stream', 'a');
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push(await store.streamAdd(k, { i: String(i), kind: 'test' }));
      // spread the entries over distinct milliseconds
      const ms = Number(ids.at(-1)!.split('-')[0]);
      await waitFor(() => Date.now() > ms + 1, 1000, 'clock tick');
    }
    const ms = ids.map((id) => Number(id.split('-')[0]));
    expect(ids.every((id) => /^\d+-\d+$/.test(id))).toBe(true);

    const all = await store.streamRange(k);
    expect(all.map((e) => e.id)).toEqual(ids);
    expect(all[0]!.fields).toEqual({ i: '0', kind: 'test' });

    const middle = await store.streamRange(k, { fromMs: ms[1], toMs: ms[3] });
    expect(middle.map((e) => e.fields.i)).toEqual(['1', '2', '3']);

    const newestTwo = await store.streamRange(k, { rev: true, count: 2 });
    expect(newestTwo.map((e) => e.fields.i)).toEqual(['4', '3']);

    const fromTwo = await store.streamRange(k, { fromMs: ms[2], count: 2 });
    expect(fromTwo.map((e) => e.fields.i)).toEqual(['2', '3']);

    const revBounded = await store.streamRange(k, { fromMs: ms[1], toMs: ms[2], rev: true });
    expect(revBounded.map((e) => e.fields.i)).toEqual(['2', '1']);

    expect(await store.streamRange(k, { toMs: ms[0]! - 1 })).toEqual([]);
  });

  it('caps the stream approximately at maxLen', async () => {
    const k = store.key('stream', 'capped');
    for (let i = 0; i < 300; i++) await store.streamAdd(k, { i: String(i) }, 10);
    const len = await redis.xlen(k);
    expect(len).toBeGreaterThanOrEqual(10);
    expect(len).toBeLessThan(300);
  });

  it('refuses an entry without fields', async () => {
    await expect(store.streamAdd(store.key('stream', 'empty'), {})).rejects.toThrow(/field/);
  });
});

describe('test support', () => {
  it('cleanupPrefix removes only keys of that prefix, braces matched literally', async () => {
    const mine = testPrefix('cleanup');
    const other = `${mine.slice(0, -1)}x}`; // same text + one char: must survive
    expect(escapeGlob('{a*b?[c]}')).toBe('\\{a\\*b\\?\\[c\\]\\}');
    await redis.set(`${mine}:a`, '1');
    await redis.set(`${mine}:b:c`, '1');
    await redis.set(`${other}:a`, '1');
    expect(await cleanupPrefix(redis, mine)).toBe(2);
    expect(await redis.exists(`${mine}:a`, `${mine}:b:c`)).toBe(0);
    expect(await redis.exists(`${other}:a`)).toBe(1);
    await redis.del(`${other}:a`);
  });
});
