/**
 * A Redis restart (15 s down) in the middle of runs: a private redis-server with AOF on its own
 * port and data dir is stopped (SIGTERM) while shell stages run and a gate waits, and started again
 * on the same data. Every run must end as it would have, each stage must have run once (marker
 * files count executions), and a command sent during the outage is refused at once and audited
 * after Redis is back.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { servicesOf } from '../../src/domain/services.js';
import { freePort, until } from '../adapters/redis-processes.js';
import { startHarness, type Harness } from '../support/harness.js';
import { companionsModule, runIdOf, testPipelines, threadTexts, waitRunText } from './support.js';

const OUTAGE_MS = 15_000;

/** One redis-server that can be stopped and started again on the same port and data (AOF, fsync always). */
class RestartableRedis {
  readonly dir = mkdtempSync(join(tmpdir(), 'switchyard-outage-'));
  private child: ChildProcess | undefined;
  constructor(readonly port: number) {}

  async start(): Promise<void> {
    const data = join(this.dir, 'data');
    mkdirSync(data, { recursive: true });
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--dir', data, '--save', '', '--appendonly', 'yes'];
    this.child = spawn('redis-server', [...args, '--appendfsync', 'always'], { stdio: 'ignore' });
    await until(() => ping(this.port), `redis-server on ${this.port} answering`, 10_000);
  }

  /** SIGTERM by pid (Redis flushes its AOF and exits); resolves once the process is gone. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      process.kill(child.pid!, signal);
    });
  }

  get running(): boolean {
    return this.child !== undefined;
  }
}

async function ping(port: number): Promise<boolean> {
  const c = new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  c.on('error', () => undefined);
  try {
    await c.connect();
    return (await c.ping()) === 'PONG';
  } finally {
    c.disconnect();
  }
}

const lines = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).length : 0);

describe('a Redis restart with runs in progress and a gate waiting', () => {
  let redis: RestartableRedis;
  let h: Harness | undefined;
  const markers = mkdtempSync(join(tmpdir(), 'switchyard-outage-markers-'));

  beforeAll(async () => {
    redis = new RestartableRedis(await freePort());
    await redis.start();
    h = await startHarness({
      name: 'redis-outage',
      modules: [testPipelines({ workflowsDir: 'test/pipelines/outage-workflows' }), companionsModule],
      env: { REDIS_URL: `redis://127.0.0.1:${redis.port}` },
    });
  }, 30_000);

  afterAll(async () => {
    // The bot closes its connections cleanly only with Redis up; then every process started here ends.
    if (redis && !redis.running) await redis.start().catch(() => undefined);
    await Promise.race([h?.close(), new Promise((r) => setTimeout(r, 10_000))]).catch(() => undefined);
    await redis?.stop('SIGKILL');
    if (redis) rmSync(redis.dir, { recursive: true, force: true });
    rmSync(markers, { recursive: true, force: true });
  }, 30_000);

  it('finishes every run as it would have, runs each stage once, and refuses then audits a command sent meanwhile', async () => {
    const bot = h!;
    const store = bot.app.ctx.store;
    const run = async (line: string) => runIdOf((await bot.command('U0BOB', 'C0DEPLOYS', line)).text);
    const sleepy = [
      await run(`/pipeline run sleepy-deploy --env staging --param markers=${markers} --param seconds=3`),
      await run(`/pipeline run sleepy-deploy --env production --param markers=${markers} --param seconds=3`),
    ];
    const gated = await run('/pipeline run gated-deploy --env production');
    await waitRunText(bot, 'C0DEPLOYS', gated, /: waiting/);
    // Both work stages have started their command: Redis stops under them, and they end during the outage.
    await until(async () => sleepy.every((id) => lines(join(markers, `${id}-work`)) === 1), 'work stages started', 15_000);

    await redis.stop();
    await until(async () => store.health!().available() === false, 'the bot seeing Redis gone', 10_000);
    const refused = await bot.command('U0GRACE', 'C0DEPLOYS', '/pipeline status');
    // Answered while Redis is still down (it is started again only below), not after retries.
    expect(refused.text).toContain('Storage (Redis) is unavailable: nothing was changed. Try again in a moment.');
    expect(redis.running).toBe(false);

    await new Promise((r) => setTimeout(r, OUTAGE_MS)); // the outage itself: Redis stays down this long
    await redis.start();
    await until(async () => store.health!().available(), 'the bot reconnecting', 15_000);

    await servicesOf(bot.app.ctx)
      .get('pipelines')
      .resolveWaitingStage(gated, 'gate', { status: 'succeeded', summary: 'approved after the outage' });
    for (const id of [...sleepy, gated]) await waitRunText(bot, 'C0DEPLOYS', id, /: succeeded/, 30_000);

    for (const id of sleepy) {
      expect(lines(join(markers, `${id}-work`))).toBe(1);
      expect(lines(join(markers, `${id}-after`))).toBe(1);
      expect(threadTexts(bot, 'C0DEPLOYS', id).join('\n')).not.toMatch(/worker stopped|lease lost/);
    }
    const audited = await until(
      async () =>
        (await bot.app.ctx.audit.query({ actor: 'U0GRACE', action: '/pipeline status' })).find((e) => e.rule === 'storage:unavailable'),
      'the refused command in the audit trail',
      10_000,
    );
    expect(audited).toMatchObject({ outcome: 'error', channel: 'C0DEPLOYS' });
  }, 60_000);
});
