import { describe, expect, it } from 'vitest';
import { describeRedisTarget, redisTargetOf } from '../../src/adapters/redis/connection.js';
import { replicaWaitOf } from '../../src/adapters/redis/replica-wait.js';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureRedis } from '../../src/app/private-redis.js';
import { loadSettings } from '../../src/config/settings.js';

// What an operator types for Redis Sentinel and Cluster, and what start-up refuses.
const base = { REDIS_PREFIX: 'sy', LOG_LEVEL: 'silent' };

describe('Redis Sentinel and Cluster settings', () => {
  it('reads Sentinel: every Sentinel, the master name, the nodes credentials from REDIS_URL, and WAIT for 1 replica', () => {
    const s = loadSettings({
      ...base,
      REDIS_URL: 'redis://:s3cret@ignored:1/2',
      REDIS_SENTINELS: '10.0.0.1:26379,sentinel-b.internal:26380',
      REDIS_SENTINEL_NAME: 'switchyard',
      REDIS_SENTINEL_PASSWORD: 'sentinel-pw',
    });
    expect(redisTargetOf(s)).toEqual({
      kind: 'sentinel',
      sentinels: [
        { host: '10.0.0.1', port: 26379 },
        { host: 'sentinel-b.internal', port: 26380 },
      ],
      name: 'switchyard',
      sentinelPassword: 'sentinel-pw',
      url: 'redis://:s3cret@ignored:1/2',
    });
    expect(replicaWaitOf(s)).toEqual({ waitReplicas: 1, waitTimeoutMs: 500 });
    const shown = describeRedisTarget(redisTargetOf(s));
    expect(shown).toBe('sentinel switchyard via 10.0.0.1:26379,sentinel-b.internal:26380');
    expect(s.COMMAND_ENV).not.toHaveProperty('REDIS_SENTINEL_PASSWORD');
  });

  it('reads Cluster, and waits for no replica unless told', () => {
    const s = loadSettings({ ...base, REDIS_CLUSTER_NODES: '127.0.0.1:7000,127.0.0.1:7001' });
    expect(redisTargetOf(s)).toMatchObject({
      kind: 'cluster',
      nodes: [
        { host: '127.0.0.1', port: 7000 },
        { host: '127.0.0.1', port: 7001 },
      ],
    });
    expect(replicaWaitOf(s).waitReplicas).toBe(0);
    expect(redisTargetOf(loadSettings(base))).toEqual({ kind: 'url', url: 'redis://127.0.0.1:6379' });
    expect(replicaWaitOf(loadSettings({ ...base, REDIS_WAIT_REPLICAS: '2', REDIS_WAIT_TIMEOUT_MS: '250' }))).toEqual({
      waitReplicas: 2,
      waitTimeoutMs: 250,
    });
  });

  it('refuses a Sentinel list without a master name, both modes at once, WAIT on a cluster and malformed lists', () => {
    expect(() => loadSettings({ ...base, REDIS_SENTINELS: '127.0.0.1:26379' })).toThrow(
      /REDIS_SENTINEL_NAME: REDIS_SENTINELS needs REDIS_SENTINEL_NAME/,
    );
    expect(() =>
      loadSettings({ ...base, REDIS_SENTINELS: '127.0.0.1:26379', REDIS_SENTINEL_NAME: 'm', REDIS_CLUSTER_NODES: '127.0.0.1:7000' }),
    ).toThrow(/not both/);
    expect(() => loadSettings({ ...base, REDIS_CLUSTER_NODES: '127.0.0.1:7000', REDIS_WAIT_REPLICAS: '1' })).toThrow(
      /REDIS_WAIT_REPLICAS: .*not REDIS_CLUSTER_NODES/,
    );
    for (const bad of ['127.0.0.1', 'redis://127.0.0.1:26379', '127.0.0.1:26379,', 'a:1 b:2']) {
      expect(() => loadSettings({ ...base, REDIS_SENTINELS: bad, REDIS_SENTINEL_NAME: 'm' }), bad).toThrow(
        /REDIS_SENTINELS: host:port pairs separated by commas/,
      );
    }
  });

  it('never starts the private redis-server when Redis is managed (Sentinel or Cluster), even with nothing at REDIS_URL', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'switchyard-managed-'));
    try {
      const got = await ensureRedis('redis://127.0.0.1:1', dir, true);
      expect(got).toEqual({ url: 'redis://127.0.0.1:1' });
      expect(readdirSync(dir)).toEqual([]); // no data dir, no redis.log: nothing was launched
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
