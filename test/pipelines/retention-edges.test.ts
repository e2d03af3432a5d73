import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedis } from '../../src/adapters/redis/connection.js';
import { RedisStore } from '../../src/adapters/redis/store.js';
import { loadSettings } from '../../src/config/settings.js';
import { AuditLog } from '../../src/core/audit.js';
import { silentLogger } from '../../src/core/ports/runtime.js';
import type { RunStatus } from '../../src/domain/contracts.js';
import type { RunDoc } from '../../src/domain/pipelines/model.js';
import { RunRepo } from '../../src/domain/pipelines/repo.js';
import { Retention } from '../../src/domain/pipelines/retention.js';
import { cleanupPrefix, REDIS_URL, testPrefix } from '../support/redis.js';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 11, 1);

// The states a run can be left in that `/pipeline run` cannot produce on demand at a given age (a
// run finished but still in the active set after a crash, a document gone but its index entry
// left), written as the repo writes them, with a page size smaller than the runs kept at the head.
describe('retention: which runs a trim may remove', () => {
  const prefix = testPrefix('retention-edges');
  let redis: Redis;
  let store: RedisStore;
  let repo: RunRepo;
  let retention: Retention;

  const run = (id: string, status: RunStatus, createdDaysAgo: number, finishedDaysAgo?: number): RunDoc => ({
    id,
    pipeline: 'api-deploy',
    service: 'api',
    teamChannel: 'C0TEAM',
    env: 'production',
    ref: 'main',
    params: {},
    triggeredBy: 'U0BOB',
    channel: 'C0TEAM',
    status,
    createdAt: NOW - createdDaysAgo * DAY,
    ...(finishedDaysAgo !== undefined ? { finishedAt: NOW - finishedDaysAgo * DAY } : {}),
    messageKey: `run-${id}`,
    stages: [
      {
        id: 'build',
        kind: 'shell',
        status: 'succeeded',
        needs: [],
        with: {},
        attempt: 1,
        maxAttempts: 1,
        backoffMs: 0,
        timeoutMs: 1000,
        gen: 1,
      },
    ],
  });
  const seed = async (doc: RunDoc, opts: { active?: boolean } = {}) => {
    await repo.create(doc);
    if (!opts.active) await repo.markFinished(doc.id);
    await repo.appendLog(doc.id, 'build', [`built ${doc.id}`]);
    await repo.nextNote(doc.id);
  };
  const left = async () => (await store.zRange(store.key('pipelines', 'runs', 'all'))).map((e) => e.member).sort();

  beforeAll(async () => {
    redis = createRedis(REDIS_URL, { name: 'test-retention-edges', log: silentLogger });
    store = new RedisStore(redis, prefix);
    repo = new RunRepo(store);
    const clock = { now: () => NOW };
    retention = new Retention({ store, audit: new AuditLog(store, clock), clock, log: silentLogger }, repo, {
      runRetentionDays: 400,
      auditRetentionDays: 400,
      batch: 2,
    });
    await seed(run('r1', 'succeeded', 500, 499));
    await seed(run('r2', 'failed', 450, 10));
    await seed(run('r3', 'cancelled', 420, 419), { active: true });
    await seed(run('r4', 'running', 480), { active: true });
    await seed(run('r5', 'queued', 470), { active: true });
    await seed(run('r6', 'waiting', 460), { active: true });
    await seed(run('r7', 'succeeded', 410, 410));
    await seed(run('r8', 'succeeded', 1, 1));
    await store.zAdd(store.key('pipelines', 'runs', 'all'), NOW - 600 * DAY, 'r999');
  });
  afterAll(async () => {
    await cleanupPrefix(redis, prefix);
    await redis.quit();
  });

  it('removes only finished runs that left the active set and ended before the cutoff, page after page', async () => {
    expect(await retention.trim()).toEqual({ runs: 3, kept: 5, audit: 0 });
    expect(await left()).toEqual(['r2', 'r3', 'r4', 'r5', 'r6', 'r8']);
    for (const id of ['r1', 'r7']) {
      expect(await repo.get(id)).toBeNull();
      expect(await redis.exists(store.key('pipelines', 'log', id, 'build'), store.key('pipelines', 'notes', id))).toBe(0);
    }
    for (const id of ['r2', 'r3', 'r4', 'r5', 'r6', 'r8']) {
      expect((await repo.get(id))?.id).toBe(id);
      expect(await repo.log(id, 'build')).toEqual([`built ${id}`]);
    }
    const byPipeline = await store.zRange(store.key('pipelines', 'runs', 'pipeline', 'api-deploy'));
    const byService = await store.zRange(store.key('pipelines', 'runs', 'service', 'api'));
    expect(byPipeline.map((e) => e.member).sort()).toEqual(['r2', 'r3', 'r4', 'r5', 'r6', 'r8']);
    expect(byService.map((e) => e.member).sort()).toEqual(['r2', 'r3', 'r4', 'r5', 'r6', 'r8']);
  });

  it('is idempotent', async () => {
    expect(await retention.trim()).toEqual({ runs: 0, kept: 5, audit: 0 });
    expect(await left()).toEqual(['r2', 'r3', 'r4', 'r5', 'r6', 'r8']);
  });
});

describe('retention settings', () => {
  it('default to 400 days and refuse a retention that would empty history at once', () => {
    const s = loadSettings({});
    expect([s.RUN_RETENTION_DAYS, s.AUDIT_RETENTION_DAYS]).toEqual([400, 400]);
    expect(loadSettings({ RUN_RETENTION_DAYS: '30', AUDIT_RETENTION_DAYS: '2555' })).toMatchObject({
      RUN_RETENTION_DAYS: 30,
      AUDIT_RETENTION_DAYS: 2555,
    });
    expect(() => loadSettings({ AUDIT_RETENTION_DAYS: '0' })).toThrow(/AUDIT_RETENTION_DAYS/);
    expect(() => loadSettings({ RUN_RETENTION_DAYS: 'forever' })).toThrow(/RUN_RETENTION_DAYS/);
  });
});
