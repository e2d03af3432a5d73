import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makePipelinesModule } from '../../src/app/wire-pipelines.js';
import { incidentsModuleWith } from '../../src/app/wire-incidents.js';
import { approvalsModuleWith } from '../../src/app/modules/approvals.js';
import { ACTION_APPROVE } from '../../commands/approvals/actions.js';
import { IncidentRepo } from '../../src/domain/incidents/repo.js';
import { press, startRun, waitCopies, waitRunStatus } from '../approvals/support.js';
import { incidentIdIn, testConfig } from '../incidents/support.js';
import { startHarness, type Harness } from '../support/harness.js';
import { RedisProcesses, until } from './redis-processes.js';

// Switchyard on a real three-master Redis Cluster on loopback: pipelines, an approval gate and an
// incident work through ioredis Cluster, and every key of the installation (store and BullMQ)
// sits in the one hash slot of its braced prefix, so scripts and multi-key commands stay legal.
describe('Redis Cluster', () => {
  const procs = new RedisProcesses();
  const ports: number[] = [];
  let h: Harness | undefined;

  beforeAll(async () => {
    for (let i = 0; i < 3; i++) {
      const { port } = await procs.server([
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        `nodes-${i}.conf`,
        '--cluster-node-timeout',
        '2000',
      ]);
      ports.push(port);
    }
    const created = spawnSync('redis-cli', ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-yes'], {
      encoding: 'utf8',
      timeout: 20_000,
    });
    if (created.status !== 0) throw new Error(`redis-cli --cluster create failed: ${created.stdout}${created.stderr}`);
    for (const port of ports)
      await until(
        async () => String(await procs.client(port).call('CLUSTER', 'INFO')).includes('cluster_state:ok'),
        `cluster state ok on ${port}`,
      );
  }, 40_000);

  afterAll(async () => {
    await h?.close().catch(() => undefined);
    await procs.stopAll();
  });

  it('runs a pipeline, an approval gate and an incident, with every key in the prefix slot', async () => {
    h = await startHarness({
      name: 'cluster',
      env: { REDIS_CLUSTER_NODES: `127.0.0.1:${ports[0]}` },
      modules: [
        makePipelinesModule({ workflowsDir: 'test/adapters/workflows', watchdogMs: 1000, pollMs: 40 }),
        approvalsModuleWith({ policyFile: 'test/approvals/config/approvals.yml' }),
        incidentsModuleWith({ config: testConfig() }),
      ],
    });
    const bot = h;
    const steady = await startRun(bot, 'U0BOB', '/pipeline run ha-steady --env staging');
    const gated = await startRun(bot, 'U0BOB', '/pipeline run ha-gated --env production');
    const c = await waitCopies(bot, gated, ['U0CAROL', 'U0DAVE'], /^Approval needed/);
    expect(await press(bot, 'U0CAROL', c.dms.U0CAROL!, ACTION_APPROVE)).toContain('1 of 2, 1 more needed');
    expect(await press(bot, 'U0DAVE', c.dms.U0DAVE!, ACTION_APPROVE)).toMatch(/approved/i);
    const incident = incidentIdIn(
      (await bot.command('U0BOB', 'C0INCIDENTS', '/incident declare sev2 "Cluster drill" --service checkout')).text,
    );

    for (const id of [steady, gated]) {
      const run = await waitRunStatus(bot, id, 'succeeded', 20_000);
      expect(run.stages.every((s) => s.status === 'succeeded')).toBe(true);
    }
    const repo = new IncidentRepo(bot.app.ctx.store);
    const inc = await until(async () => {
      const doc = await repo.get(incident);
      return doc?.setup.ready ? doc : undefined;
    }, `${incident} set up`);
    expect(inc.title).toBe('Cluster drill');
    expect(bot.slack.channel(inc.channel!)).toBeDefined();
    const trail = await bot.app.ctx.audit.query({ limit: 100 });
    expect(trail.some((e) => e.actor === 'U0DAVE' && e.target === `gate ${gated}-approve`)).toBe(true);

    // Every key of this installation is on the master that owns its prefix's slot, none elsewhere.
    const prefix = `{${bot.settings.REDIS_PREFIX}}`;
    const slot = Number(await procs.client(ports[0]!).call('CLUSTER', 'KEYSLOT', prefix));
    const perNode = await Promise.all(
      ports.map(async (port) => ({ port, keys: await scanAll(procs, port, `${prefix.replace(/[{}]/g, '\\$&')}:*`) })),
    );
    const holders = perNode.filter((n) => n.keys.length > 0);
    expect(holders).toHaveLength(1);
    const keys = holders[0]!.keys;
    expect(keys.some((k) => k.startsWith(`${prefix}:q:`))).toBe(true); // BullMQ's
    expect(keys).toContain(`${prefix}:pipelines:run:${steady}`);
    expect(keys).toContain(`${prefix}:incident:doc:${incident}`);
    const slots = new Set(
      await Promise.all(keys.slice(0, 50).map(async (k) => Number(await procs.client(holders[0]!.port).call('CLUSTER', 'KEYSLOT', k)))),
    );
    expect([...slots]).toEqual([slot]);
  }, 50_000);
});

async function scanAll(procs: RedisProcesses, port: number, match: string): Promise<string[]> {
  const client = procs.client(port);
  const out: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', match, 'COUNT', 500);
    cursor = next;
    out.push(...keys);
  } while (cursor !== '0');
  return out;
}
