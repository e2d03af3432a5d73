import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { servicesOf } from '../../src/domain/services.js';
import { startHarness, type Harness } from '../support/harness.js';
import {
  companionsModule,
  HOOK_TOKEN,
  recordedEvents,
  runIdOf,
  runMessage,
  SECRET,
  testPipelines,
  threadTexts,
  waitRunText,
} from './support.js';

// End to end through the local Slack workspace: slash commands in, the run message, its thread
// and the final announcements out.
describe('/pipeline run, status, logs, retry', () => {
  let h: Harness;
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-pipe-'));
  beforeAll(async () => {
    h = await startHarness({ name: 'pipelines-run', modules: [testPipelines(), companionsModule] });
  });
  afterAll(async () => {
    await h?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs a multi-stage pipeline to success, keeps one message current and announces the end', async () => {
    const res = await h.command('U0BOB', 'C0DEPLOYS', '/pipeline run demo-deploy --env staging --ref v1.2.0');
    expect(res.text).toContain('Started run');
    const id = runIdOf(res.text);
    const msg = await waitRunText(h, 'C0DEPLOYS', id, /: succeeded/);
    expect(msg.text).toContain('build succeeded');
    expect(msg.text).toContain('deploy succeeded');
    expect(h.slack.messages('C0DEPLOYS').filter((m) => m.text.startsWith(`demo-deploy ${id} `))).toHaveLength(1);
    expect(msg.edited).toBe(true);
    const dm = await h.slack.waitFor(() => h.slack.messages(h.slack.dmChannel('U0BOB').id).find((m) => m.text.includes(`Run *${id}*`)));
    expect(dm.text).toContain('succeeded');
    const team = await h.slack.waitFor(() => h.slack.messages('C0CHECKOUT').find((m) => m.text.includes(`Run *${id}*`)));
    expect(team.text).toContain('to *staging*');
    const info = (await servicesOf(h.app.ctx).get('pipelines').getRun(id))!;
    expect(info.ref).toBe('v1.2.0');
    const at = Object.fromEntries(info.stages.map((s) => [s.id, s]));
    // The DAG: deploy starts only after both test and lint ended.
    expect(at.deploy!.startedAt!).toBeGreaterThanOrEqual(Math.max(at.test!.finishedAt!, at.lint!.finishedAt!));
    const finished = await waitEvents(h, id, 'pipeline.run.finished');
    expect(finished).toMatchObject({ runId: id, status: 'succeeded', service: 'demo', env: 'staging', triggeredBy: 'U0BOB' });
  });

  it('injects a secret into the stage but masks it in logs, messages and Redis', async () => {
    const res = await h.command('U0BOB', 'C0DEPLOYS', '/pipeline run demo-deploy --env staging');
    const id = runIdOf(res.text);
    await waitRunText(h, 'C0DEPLOYS', id, /: succeeded/);
    const logs = await h.command('U0BOB', 'C0DEPLOYS', `/pipeline logs ${id} deploy`);
    expect(logs.text).toContain('deploying to staging with token ••••');
    expect(logs.text).toContain('injected deploy_token (secret) from test:demo/deploy_token v3');
    expect(logs.text).not.toContain(SECRET);
    const everything = JSON.stringify([h.slack.calls(), h.slack.ephemerals()]);
    expect(everything).not.toContain(SECRET);
    expect(await redisContains(h, SECRET)).toBe(false);
  });

  it('never shows a webhook URL whose path carries an injected secret, even when the call fails', async () => {
    const id = runIdOf((await h.command('U0BOB', 'C0DEPLOYS', '/pipeline run hook-notify --env staging')).text);
    const msg = await waitRunText(h, 'C0DEPLOYS', id, /: failed/);
    expect(msg.text).toContain('notify failed');
    await h.slack.waitFor(() => threadTexts(h, 'C0DEPLOYS', id).find((t) => t.includes('*notify* failed')));
    const logs = await h.command('U0BOB', 'C0DEPLOYS', `/pipeline logs ${id} notify`);
    expect(logs.text).toContain('POST http://127.0.0.1:9/… (path hidden');
    expect(logs.text).toContain('127.0.0.1:9 failed');
    const everything = JSON.stringify([h.slack.calls(), h.slack.ephemerals()]);
    expect(everything).not.toContain(HOOK_TOKEN);
    expect(await redisContains(h, HOOK_TOKEN)).toBe(false);
  });

  it('fails at the stage that failed, shows why in the thread, and skips what depended on it', async () => {
    const marker = join(dir, 'fail-test');
    writeFileSync(marker, 'x');
    const res = await h.command('U0BOB', 'C0DEPLOYS', `/pipeline run demo-deploy --env staging --param fail_file=${marker}`);
    const id = runIdOf(res.text);
    const msg = await waitRunText(h, 'C0DEPLOYS', id, /: failed/);
    expect(msg.text).toContain('test failed');
    expect(msg.text).toContain('deploy skipped');
    const thread = await h.slack.waitFor(() => threadTexts(h, 'C0DEPLOYS', id).find((t) => t.includes('*test* failed')));
    expect(thread).toContain('exit code 3');
    expect(thread).toContain('3 tests failed: checkout_total_rounding');
    const logs = await h.command('U0BOB', 'C0DEPLOYS', `/pipeline logs ${id}`);
    expect(logs.text).toContain('*test*');
    expect(logs.text).toContain('checkout_total_rounding');
    const status = await h.command('U0GRACE', 'C0DEPLOYS', `/pipeline status ${id}`);
    expect(status.text).toContain('stage test failed: exit code 3');

    // Fixed: retry from the failed stage keeps build and lint, runs test and deploy again.
    rmSync(marker);
    const retry = await h.command('U0BOB', 'C0DEPLOYS', `/pipeline retry ${id}`);
    const id2 = runIdOf(retry.text);
    expect(id2).not.toBe(id);
    const msg2 = await waitRunText(h, 'C0DEPLOYS', id2, /: succeeded/);
    expect(msg2.text).toContain('build skipped');
    expect(msg2.text).toContain('lint skipped');
    expect(msg2.text).toContain('test succeeded');
    expect(msg2.text).toContain('deploy succeeded');
    const blocks = JSON.stringify(msg2.blocks);
    expect(blocks).toContain(`kept from ${id}`);
    expect(blocks).toContain(`retry of ${id}`);

    const again = await h.command('U0BOB', 'C0DEPLOYS', `/pipeline retry ${id2} --from lint`);
    const id3 = runIdOf(again.text);
    const msg3 = await waitRunText(h, 'C0DEPLOYS', id3, /: succeeded/);
    expect(msg3.text).toContain('build skipped');
    expect(msg3.text).toContain('test skipped');
    expect(msg3.text).toContain('lint succeeded');
  });

  it('refuses without the role, and production without prod-deployer, starting nothing', async () => {
    const before = (await h.command('U0BOB', 'C0DEPLOYS', '/pipeline history demo-deploy --limit 50')).text.split('\n').length;
    const grace = await h.command('U0GRACE', 'C0DEPLOYS', '/pipeline run demo-deploy --env staging');
    expect(grace.text).toContain('`deployer`');
    const erin = await h.command('U0ERIN', 'C0DEPLOYS', '/pipeline run demo-deploy --env production');
    expect(erin.text).toContain('`prod-deployer`');
    const after = (await h.command('U0BOB', 'C0DEPLOYS', '/pipeline history demo-deploy --limit 50')).text.split('\n').length;
    expect(after).toBe(before);
    const audited = await h.app.ctx.audit.query({ actor: 'U0GRACE', action: '/pipeline run' });
    expect(audited[0]).toMatchObject({ outcome: 'refused' });
  });

  it('answers bad input with what exists and changes nothing', async () => {
    const unknown = await h.command('U0BOB', 'C0DEPLOYS', '/pipeline run nope --env staging');
    expect(unknown.text).toContain('Unknown pipeline `nope`');
    expect(unknown.text).toContain('demo-deploy');
    const env = await h.command('U0BOB', 'C0DEPLOYS', '/pipeline run demo-deploy --env qa');
    expect(env.text).toContain('staging, production');
    const noEnv = await h.command('U0BOB', 'C0DEPLOYS', '/pipeline run demo-deploy');
    expect(noEnv.text).toContain('--env');
    const param = await h.command('U0BOB', 'C0DEPLOYS', '/pipeline run demo-deploy --env staging --param colour=red');
    expect(param.text).toContain('Parameters: fail_file, sleep');
    const num = await h.command('U0BOB', 'C0DEPLOYS', '/pipeline run demo-deploy --env staging --param sleep=soon');
    expect(num.text).toContain('is a number');
    const list = await h.command('U0GRACE', 'C0DEPLOYS', '/pipeline list');
    expect(list.text).toContain('*demo-deploy*');
    expect(list.text).toContain('production (`prod-deployer`)');
  });

  it('starts one run when Slack retries the same /pipeline run', async () => {
    const before = await runCount(h);
    const first = await h.command('U0BOB', 'C0DEPLOYS', '/pipeline run demo-deploy --env staging --ref retry-check');
    const id = runIdOf(first.text);
    const again = await h.slack.slashCommand({
      user: 'U0BOB',
      channel: 'C0DEPLOYS',
      command: '/pipeline',
      text: 'run demo-deploy --env staging --ref retry-check',
      triggerId: first.triggerId,
      retryNum: 1,
    });
    expect(again.status).toBe(200);
    await waitRunText(h, 'C0DEPLOYS', id, /: succeeded/);
    expect(await runCount(h)).toBe(before + 1);
    // The service itself is idempotent on the request key too (a second process, a lost dedupe key).
    const svc = servicesOf(h.app.ctx).get('pipelines');
    const actor = await h.app.ctx.access.actor('U0BOB');
    const viaService = await svc.startRun({
      pipeline: 'demo-deploy',
      env: 'staging',
      actor,
      channel: 'C0DEPLOYS',
      requestKey: first.triggerId,
    });
    expect(viaService.id).toBe(id);
    expect(runMessage(h, 'C0DEPLOYS', id)).toBeDefined();
  });
});

async function runCount(h: Harness): Promise<number> {
  return (await h.app.ctx.store.zRange(h.app.ctx.store.key('pipelines', 'runs', 'all'))).length;
}

async function waitEvents(h: Harness, runId: string, type: string): Promise<Record<string, unknown>> {
  for (let i = 0; i < 200; i++) {
    const e = (await recordedEvents(h)).find((x) => x.type === type && x.runId === runId);
    if (e) return e;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no ${type} event for ${runId}`);
}

/** Scans every key of this test's prefix for a value (secrets must never reach Redis). */
async function redisContains(h: Harness, needle: string): Promise<boolean> {
  const { Redis } = await import('ioredis');
  const { REDIS_URL } = await import('../support/redis.js');
  const redis = new Redis(REDIS_URL);
  try {
    const prefix = h.settings.REDIS_PREFIX;
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `{${prefix}}:*`, 'COUNT', 500);
      cursor = next;
      for (const k of keys) {
        const type = await redis.type(k);
        const dump =
          type === 'string'
            ? await redis.get(k)
            : type === 'list'
              ? (await redis.lrange(k, 0, -1)).join('\n')
              : type === 'hash'
                ? JSON.stringify(await redis.hgetall(k))
                : type === 'stream'
                  ? JSON.stringify(await redis.xrange(k, '-', '+'))
                  : type === 'zset'
                    ? (await redis.zrange(k, 0, -1)).join('\n')
                    : type === 'set'
                      ? (await redis.smembers(k)).join('\n')
                      : '';
        if (dump?.includes(needle)) return true;
      }
    } while (cursor !== '0');
    return false;
  } finally {
    redis.disconnect();
  }
}
