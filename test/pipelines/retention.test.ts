import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSwitchyard, type Switchyard } from '../../src/app/app.js';
import { queueOf } from '../../src/core/ports/jobs.js';
import { silentLogger } from '../../src/core/ports/runtime.js';
import type { RunDoc } from '../../src/domain/pipelines/model.js';
import { RETENTION_CRON, RETENTION_JOB, RETENTION_SCHEDULER } from '../../src/domain/pipelines/retention.js';
import { servicesOf } from '../../src/domain/services.js';
import { jobSettled } from '../support/jobs.js';
import { BOT, startHarness, type Harness } from '../support/harness.js';
import { REDIS_URL, waitFor } from '../support/redis.js';
import { companionsModule, runIdOf, testPipelines, waitRunText } from './support.js';

const DAY = 86_400_000;

// Retention seen from what is left in Redis after the daily trim job ran: runs are made through
// `/pipeline run` while the bot's clock stands 401 days in the past, then the clock comes back to
// today and the real job (BullMQ, the module's processor) trims with the default 400 days.
describe('retention: the daily trim', () => {
  let h: Harness;
  let shift = 0;
  let redis: Redis;
  let queue: Queue;
  const store = () => h.app.ctx.store;
  const k = (...parts: string[]) => store().key('pipelines', ...parts);
  const svc = () => servicesOf(h.app.ctx).get('pipelines');
  const indexes = (doc: Pick<RunDoc, 'pipeline' | 'service'>) => [
    k('runs', 'all'),
    k('runs', 'pipeline', doc.pipeline),
    k('runs', 'service', doc.service),
  ];
  const inIndexes = async (doc: RunDoc) => {
    const out: string[] = [];
    for (const key of indexes(doc)) if ((await store().zRange(key)).some((e) => e.member === doc.id)) out.push(key);
    return out;
  };
  const finished = (id: string) =>
    waitFor(async () => !(await store().setMembers(k('active'))).includes(id), 15_000, `run ${id} left the active set`);
  const startRun = async (line: string, until: RegExp) => {
    const id = runIdOf((await h.command('U0BOB', 'C0DEPLOYS', line)).text);
    await waitRunText(h, 'C0DEPLOYS', id, until);
    return (await store().getJson<RunDoc>(k('run', id)))!;
  };
  let trims = 0;
  const trim = async () => {
    const id = `test-trim-${++trims}`;
    await h.app.ctx.jobs.enqueue(RETENTION_JOB.name, {}, { id });
    expect(await jobSettled(h, RETENTION_JOB.name, id)).toBe('completed');
    return (await queue.getJob(id))!.returnvalue as { runs: number; kept: number; audit: number };
  };

  beforeAll(async () => {
    h = await startHarness({
      name: 'pipelines-retention',
      modules: [testPipelines(), companionsModule],
      clock: { now: () => Date.now() + shift },
    });
    redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
    queue = new Queue(queueOf(RETENTION_JOB.name), { connection: redis, prefix: `{${h.wiring.prefix}}:q` });
  });
  afterAll(async () => {
    await queue?.close();
    await h?.close();
    await redis?.quit();
  });

  it('removes old finished runs (document, every index entry, stage logs) and old audit entries, and nothing else', async () => {
    // Redis stamps stream ids itself and only ever forward: entries appended 401 days ago are
    // written first, with those ids, before the commands below append today's.
    const auditKey = store().key('audit');
    const longAgo = Date.now() - 401 * DAY;
    for (const seq of [0, 1]) {
      await redis.xadd(auditKey, `${longAgo}-${seq}`, 'at', String(longAgo), 'actor', 'U0OLD', 'action', 'pipeline run', 'outcome', 'ok');
    }
    shift = -401 * DAY;
    const old = await startRun('/pipeline run echo-params', /: succeeded/);
    await finished(old.id);
    const oldGated = await startRun('/pipeline run gated-deploy --env production', /: waiting/);
    shift = 0;
    const fresh = await startRun('/pipeline run echo-params', /: succeeded/);
    await finished(fresh.id);
    expect(await store().listRange(k('log', old.id, 'echo'), 0, -1)).not.toEqual([]);
    expect(await store().listRange(k('log', fresh.id, 'echo'), 0, -1)).not.toEqual([]);

    const auditBefore = await redis.xlen(auditKey);

    const result = await trim();
    expect(result).toEqual({ runs: 1, kept: 1, audit: 2 });

    expect(await store().getJson(k('run', old.id))).toBeNull();
    expect(await inIndexes(old)).toEqual([]);
    expect(await redis.exists(k('log', old.id, 'echo'), k('notes', old.id))).toBe(0);
    // The old run waiting at its gate is untouched and still goes on when decided.
    expect(await inIndexes(oldGated)).toEqual(indexes(oldGated));
    expect((await store().getJson<RunDoc>(k('run', oldGated.id)))?.status).toBe('waiting');
    // The newer run keeps its document, its index entries and its log.
    expect(await inIndexes(fresh)).toEqual(indexes(fresh));
    expect(await store().listRange(k('log', fresh.id, 'echo'), 0, -1)).not.toEqual([]);
    // Only the two old audit entries went; what the commands above recorded is there.
    expect(await redis.xlen(auditKey)).toBe(auditBefore - 2);
    expect((await h.app.ctx.audit.query({ actor: 'U0OLD' })).length).toBe(0);
    expect((await h.app.ctx.audit.query({ actor: 'U0BOB' })).length).toBeGreaterThanOrEqual(3);

    const history = await h.command('U0BOB', 'C0DEPLOYS', '/pipeline history');
    const listed = [...history.text.matchAll(/\br\d+\b/g)].map((m) => m[0]);
    expect(listed).toContain(fresh.id);
    expect(listed).toContain(oldGated.id);
    expect(listed).not.toContain(old.id);

    await svc().resolveWaitingStage(oldGated.id, 'gate', { status: 'succeeded', summary: 'approved' });
    await waitRunText(h, 'C0DEPLOYS', oldGated.id, /: succeeded/);
  });

  it('is idempotent: a second trim removes nothing more', async () => {
    const before = await store().zRange(k('runs', 'all'));
    const auditBefore = await redis.xlen(store().key('audit'));
    const result = await trim();
    // The gated run was created 401 days ago but finished today: it is kept for another 400 days.
    expect(result).toEqual({ runs: 0, kept: 1, audit: 0 });
    expect(await store().zRange(k('runs', 'all'))).toEqual(before);
    expect(await redis.xlen(store().key('audit'))).toBeGreaterThanOrEqual(auditBefore);
  });

  it('is scheduled once a day, once, however many workers start', async () => {
    const second: Switchyard = await createSwitchyard({
      settings: h.settings,
      role: 'worker',
      slack: { token: h.wiring.token, signingSecret: h.wiring.signingSecret, apiUrl: h.wiring.apiUrl, ...BOT },
      modules: [testPipelines(), companionsModule],
      log: silentLogger,
    });
    await second.start();
    try {
      const schedulers = await queue.getJobSchedulers();
      expect(schedulers.map((s) => ({ key: s.key, pattern: s.pattern, tz: s.tz }))).toEqual([
        { key: RETENTION_SCHEDULER, pattern: RETENTION_CRON, tz: 'UTC' },
      ]);
      // One next run waits for the next 03:17 UTC.
      const delayed = (await queue.getDelayed()).filter((j) => j.repeatJobKey === RETENTION_SCHEDULER);
      expect(delayed).toHaveLength(1);
    } finally {
      await second.stop();
    }
  });
});
