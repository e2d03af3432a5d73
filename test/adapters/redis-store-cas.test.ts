import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createRedis } from '../../src/adapters/redis/connection.js';
import { RedisStore } from '../../src/adapters/redis/store.js';
import { ABORT } from '../../src/core/ports/store.js';
import { cleanupPrefix, REDIS_URL, testPrefix } from '../support/redis.js';

/**
 * update() starts from the value it last saw for a key instead of reading it first. These cases
 * make that guess wrong on purpose (another store, on its own connection, writes in between) and
 * check that nothing is decided on it: a write lands on what Redis holds, and an ABORT or a throw
 * is only taken on a value read from Redis.
 */
const prefix = testPrefix('store-cas');
const silent = { debug() {}, info() {}, warn() {}, error() {}, child: () => silent };
let conns: Redis[];
let mine: RedisStore;
let other: RedisStore;

beforeAll(() => {
  conns = [createRedis(REDIS_URL, { name: 'test-cas-a', log: silent }), createRedis(REDIS_URL, { name: 'test-cas-b', log: silent })];
  mine = new RedisStore(conns[0]!, prefix);
  other = new RedisStore(conns[1]!, prefix);
});

afterAll(async () => {
  await cleanupPrefix(conns[0]!, prefix);
  await Promise.all(conns.map((r) => r.quit()));
});

type Doc = { n: number };
const bump = (cur: Doc | null): Doc => ({ n: (cur?.n ?? 0) + 1 });

describe('update from a remembered value', () => {
  it('writes on what Redis holds when another store changed the key since', async () => {
    const k = mine.key('cas', 'counter');
    expect(await mine.update<Doc>(k, bump)).toEqual({ n: 1 });
    expect(await other.update<Doc>(k, bump)).toEqual({ n: 2 });
    const seen: number[] = [];
    const after = await mine.update<Doc>(k, (cur) => {
      seen.push(cur?.n ?? 0);
      return bump(cur);
    });
    expect(after).toEqual({ n: 3 });
    expect(await other.getJson(k)).toEqual({ n: 3 });
    // First from its own last write (1), then from what the compare-and-set answered (2).
    expect(seen).toEqual([1, 2]);
  });

  it('does not ABORT on a remembered value that is out of date', async () => {
    const k = mine.key('cas', 'abort');
    await mine.update<Doc>(k, () => ({ n: 1 }));
    await other.update<Doc>(k, () => ({ n: 2 }));
    const after = await mine.update<Doc>(k, (cur) => (cur?.n === 1 ? ABORT : { n: (cur?.n ?? 0) * 10 }));
    expect(after).toEqual({ n: 20 });
    // ABORT on a value read from Redis returns that value and writes nothing.
    expect(await mine.update<Doc>(k, () => ABORT)).toEqual({ n: 20 });
    expect(await other.getJson(k)).toEqual({ n: 20 });
  });

  it('does not throw on a remembered value that is out of date, and throws on a read one', async () => {
    const k = mine.key('cas', 'throw');
    await mine.update<Doc>(k, () => ({ n: 1 }));
    await other.update<Doc>(k, () => ({ n: 2 }));
    const refuseOne = (cur: Doc | null): Doc => {
      if (cur?.n === 1) throw new Error('refused one');
      return bump(cur);
    };
    expect(await mine.update<Doc>(k, refuseOne)).toEqual({ n: 3 });
    await other.update<Doc>(k, () => ({ n: 1 }));
    await expect(mine.update<Doc>(k, refuseOne)).rejects.toThrow('refused one');
  });

  it('sees a key deleted by another store as absent, and one it deleted itself', async () => {
    const k = mine.key('cas', 'gone');
    await mine.update<Doc>(k, () => ({ n: 5 }));
    await other.del(k);
    expect(await mine.update<Doc>(k, (cur) => (cur ? ABORT : { n: 0 }))).toEqual({ n: 0 });
    await mine.del(k);
    expect(await mine.update<Doc>(k, (cur) => cur ?? ABORT)).toBeNull();
    expect(await mine.exists(k)).toBe(false);
  });

  it('keeps 20 parallel increments over two stores exact', async () => {
    const k = mine.key('cas', 'parallel');
    await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? mine : other).update<Doc>(k, bump)));
    expect(await mine.getJson(k)).toEqual({ n: 20 });
  });
});

describe('list push with an expiry', () => {
  it('appends, caps and sets the TTL in one call', async () => {
    const k = mine.key('cas', 'log');
    expect(await mine.listPush(k, ['a', 'b', 'c'], 2, 60_000)).toBe(2);
    expect(await mine.listRange(k, 0, -1)).toEqual(['b', 'c']);
    expect(await conns[0]!.pttl(k)).toBeGreaterThan(50_000);
  });
});
