import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedis, redisTargetOf } from '../../src/adapters/redis/connection.js';
import { RedisStore } from '../../src/adapters/redis/store.js';
import { makePipelinesModule } from '../../src/app/wire-pipelines.js';
import type { Logger } from '../../src/core/ports/runtime.js';
import { approvalsModuleWith } from '../../src/app/modules/approvals.js';
import { ACTION_APPROVE } from '../../commands/approvals/actions.js';
import type { Gate } from '../../src/domain/approvals/gate.js';
import { IncidentRepo } from '../../src/domain/incidents/repo.js';
import type { RunDoc } from '../../src/domain/pipelines/model.js';
import { incidentsModuleWith } from '../../src/app/wire-incidents.js';
import { copies, press, runOf, startRun, waitCopies, waitRunStatus } from '../approvals/support.js';
import { incidentIdIn, testConfig } from '../incidents/support.js';
import { startHarness, type Harness } from '../support/harness.js';
import { RedisProcesses, until } from './redis-processes.js';

// Switchyard on a real Sentinel deployment: a master, one replica and three Sentinels on
// loopback. The master is killed with SIGKILL while runs are mid-way, a gate holds one of two
// approvals and an incident is open; after the failover everything the bot had acknowledged is on
// the promoted replica, and the runs and the gate carry on there.
const NAME = 'switchyard-ha';
const APPROVERS = ['U0CAROL', 'U0DAVE'];

describe('Redis Sentinel', () => {
  const procs = new RedisProcesses();
  let master: { port: number; child: ChildProcess };
  let replica: { port: number; child: ChildProcess };
  const sentinelPorts: number[] = [];
  let env: Record<string, string>;
  let h: Harness | undefined;

  const masterPort = async (sentinelPort: number) => {
    const addr = (await procs.client(sentinelPort).call('SENTINEL', 'get-master-addr-by-name', NAME)) as [string, string] | null;
    return addr ? Number(addr[1]) : undefined;
  };

  beforeAll(async () => {
    master = await procs.server();
    replica = await procs.server(['--replicaof', '127.0.0.1', String(master.port)]);
    const rc = procs.client(replica.port);
    await until(async () => String(await rc.info('replication')).includes('master_link_status:up'), 'replica in sync');
    for (let i = 0; i < 3; i++) sentinelPorts.push((await procs.sentinel(NAME, master.port)).port);
    // A failover needs a quorum that knows the replica and the other Sentinels (hello messages
    // every 2 s), so wait until each one does.
    for (const port of sentinelPorts) {
      const s = procs.client(port);
      await until(
        async () => ((await s.call('SENTINEL', 'replicas', NAME)) as unknown[]).length === 1,
        `sentinel ${port} sees the replica`,
      );
      await until(
        async () => ((await s.call('SENTINEL', 'sentinels', NAME)) as unknown[]).length === 2,
        `sentinel ${port} sees the others`,
      );
    }
    env = {
      REDIS_SENTINELS: sentinelPorts.map((p) => `127.0.0.1:${p}`).join(','),
      REDIS_SENTINEL_NAME: NAME,
      REDIS_WAIT_TIMEOUT_MS: '400',
    };
  }, 40_000);

  afterAll(async () => {
    await h?.close().catch(() => undefined);
    await procs.stopAll();
  });

  it('makes a document write wait for the replica, and says so when none acknowledges it', async () => {
    const logged: string[] = [];
    const log: Logger = {
      debug() {},
      info: (_o, msg) => void logged.push(`info ${msg ?? ''}`),
      warn: (_o, msg) => void logged.push(`warn ${msg ?? ''}`),
      error: (_o, msg) => void logged.push(`error ${msg ?? ''}`),
      child: () => log,
    };
    const settings = { REDIS_URL: 'redis://127.0.0.1:6379', ...env };
    const redis = createRedis(redisTargetOf(settings), { name: 'wait-test', log });
    try {
      const store = new RedisStore(redis, '{t-wait}', { waitReplicas: 1, waitTimeoutMs: 300, log });
      await store.setJson(store.key('doc'), { v: 1 });
      expect(store.replicaWait!.counts).toEqual({ acknowledged: 1, unreplicated: 0 });
      // The replica stops answering (still "online" to the master): the write is done on the
      // master, WAIT runs out, the store says so and does not fail the write.
      process.kill(replica.child.pid!, 'SIGSTOP');
      try {
        await store.update<{ v: number }>(store.key('doc'), (cur) => ({ v: (cur?.v ?? 0) + 1 }));
      } finally {
        process.kill(replica.child.pid!, 'SIGCONT');
      }
      expect(store.replicaWait!.counts).toEqual({ acknowledged: 1, unreplicated: 1 });
      expect(logged.filter((l) => l.startsWith('warn redis writes are not acknowledged by a replica'))).toHaveLength(1);
      await store.streamAdd(store.key('trail'), { a: '1' });
      expect(store.replicaWait!.counts).toEqual({ acknowledged: 2, unreplicated: 1 });
      expect(logged).toContain('info redis writes are acknowledged by replicas again');
      expect(await procs.client(replica.port).get(store.key('doc'))).toBe('{"v":2}');
      await redis.del(store.key('doc'), store.key('trail'));
    } finally {
      redis.disconnect();
    }
  });

  it('loses no acknowledged run, gate, incident or audit entry when the master dies mid-run, and every run finishes', async () => {
    h = await startHarness({
      name: 'sentinel',
      env,
      modules: [
        makePipelinesModule({ workflowsDir: 'test/adapters/workflows', watchdogMs: 1000, pollMs: 40 }),
        approvalsModuleWith({ policyFile: 'test/approvals/config/approvals.yml' }),
        incidentsModuleWith({ config: testConfig() }),
      ],
    });
    const bot = h;
    const store = bot.app.ctx.store;

    // A gate holding one of its two approvals, and an open incident.
    const gated = await startRun(bot, 'U0BOB', '/pipeline run ha-gated --env production');
    const c = await waitCopies(bot, gated, APPROVERS, /^Approval needed/);
    expect(await press(bot, 'U0CAROL', c.dms.U0CAROL!, ACTION_APPROVE)).toContain('1 of 2, 1 more needed');
    const incident = incidentIdIn(
      (await bot.command('U0BOB', 'C0INCIDENTS', '/incident declare sev2 "Failover drill" --service checkout')).text,
    );
    // Runs whose short stages are mid-way when the master dies.
    const steady: string[] = [];
    for (const env of ['staging', 'qa', 'dev']) steady.push(await startRun(bot, 'U0BOB', `/pipeline run ha-steady --env ${env}`));
    // Killed while every run's stage two runs its command (not while a stage is being claimed:
    // a Redis outage in that instant is the outage handling's case, not failover's).
    for (const id of steady) {
      const doc = () => store.getJson<RunDoc>(store.key('pipelines', 'run', id));
      await until(
        async () => (await doc())?.stages.find((s) => s.id === 'two' && s.status === 'running' && s.phase === 'executing'),
        `${id}/two executing`,
        15_000,
      );
    }

    // What the bot has acknowledged so far (answers sent, stages reported done).
    const before = {
      runs: await Promise.all([gated, ...steady].map(async (id) => (await runOf(bot, id))!)),
      gate: (await store.getJson<Gate>(store.key('approval', 'gate', `${gated}-approve`)))!,
      incident: (await new IncidentRepo(store).get(incident))!,
      audit: (await store.streamRange(store.key('audit'))).map((e) => e.id),
    };
    expect(before.gate.approvals.map((a) => a.user)).toEqual(['U0CAROL']);
    expect(before.audit.length).toBeGreaterThanOrEqual(5);
    for (const run of before.runs.slice(1)) expect(run.status, `${run.id} is mid-way`).toBe('running');
    expect((store as RedisStore).replicaWait!.counts.acknowledged).toBeGreaterThan(0);

    process.kill(master.child.pid!, 'SIGKILL');
    for (const port of sentinelPorts)
      await until(async () => (await masterPort(port)) === replica.port, `sentinel ${port} names the replica as master`, 20_000);

    // Read straight from the promoted replica, not through the bot.
    const promoted = procs.client(replica.port);
    for (const run of before.runs) {
      const now = JSON.parse((await promoted.get(store.key('pipelines', 'run', run.id))) ?? 'null') as typeof run | null;
      expect(now, `run ${run.id}`).not.toBeNull();
      for (const stage of run.stages.filter((s) => s.status === 'succeeded')) {
        expect(now!.stages.find((s) => s.id === stage.id)?.status, `${run.id}/${stage.id}`).toBe('succeeded');
      }
    }
    const gateNow = JSON.parse((await promoted.get(store.key('approval', 'gate', `${gated}-approve`))) ?? 'null') as Gate;
    expect(gateNow.approvals.map((a) => a.user)).toEqual(['U0CAROL']);
    const incidentNow = JSON.parse((await promoted.get(store.key('incident', 'doc', incident))) ?? 'null') as { id: string; title: string };
    expect(incidentNow).toMatchObject({ id: incident, title: before.incident.title });
    const auditNow = new Set(((await promoted.xrange(store.key('audit'), '-', '+')) as Array<[string, string[]]>).map(([id]) => id));
    expect(before.audit.filter((id) => !auditNow.has(id))).toEqual([]);

    // The bot carries on on the new master: the second approval passes the gate, every run ends.
    const dm = copies(bot, gated, APPROVERS).dms.U0DAVE!;
    expect(await press(bot, 'U0DAVE', dm, ACTION_APPROVE)).toMatch(/approved/i);
    for (const id of [gated, ...steady]) {
      const run = await waitRunStatus(bot, id, 'succeeded', 30_000);
      expect(run.stages.every((s) => s.status === 'succeeded')).toBe(true);
      // ...each stage once: the stage whose command ran through the failover was not run again.
      const doc = await store.getJson<RunDoc>(store.key('pipelines', 'run', id));
      expect(
        doc!.stages.map((s) => [s.id, s.attempt]),
        id,
      ).toEqual(doc!.stages.map((s) => [s.id, 1]));
    }
    const trail = await bot.app.ctx.audit.query({ limit: 100 });
    expect(trail.some((e) => e.actor === 'U0DAVE' && e.target === `gate ${gated}-approve`)).toBe(true);
    expect(String(await promoted.info('replication'))).toContain('role:master');
  }, 60_000);
});
