import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness.js';
import { recordingLogger } from '../support/log-recorder.js';
import { probeModule } from '../support/probe-module.js';

// The foundation, driven only the way Slack drives it: signed HTTP requests in, Web API calls out.
describe('foundation over the Slack wire', () => {
  let h: Harness;
  const log = recordingLogger();
  beforeAll(async () => {
    h = await startHarness({ name: 'foundation', modules: [probeModule], log });
  });
  afterAll(async () => {
    await h?.close();
  });

  const counter = async () => Number((await h.app.ctx.store.getJson<number>(h.app.ctx.store.key('probe', 'counter'))) ?? 0);

  it('answers a signed /switchyard help with the commands generated from the specs', async () => {
    const res = await h.command('U0GRACE', 'C0GENERAL', '/switchyard help');
    expect(res.status).toBe(200);
    expect(res.text).toContain('/switchyard');
    expect(res.text).toContain('/probe');
    expect(res.text).toContain('whoami');
  });

  it('tells a user their roles, including those held through a user group', async () => {
    const res = await h.command('U0ERIN', 'C0GENERAL', '/switchyard whoami');
    expect(res.text).toContain('`incident-commander`');
    expect(res.text).toContain('`deployer`'); // through @sre
    expect(res.text).toContain('`secrets-reader`');
  });

  it('rejects a forged signature and a 6-minute-old timestamp with 401 and runs nothing', async () => {
    const before = await counter();
    const forged = await h.slack.slashCommand({
      user: 'U0BOB',
      channel: 'C0GENERAL',
      command: '/probe',
      text: 'bump',
      signature: `v0=${'0'.repeat(64)}`,
    });
    expect(forged.status).toBe(401);
    const old = await h.slack.slashCommand({
      user: 'U0BOB',
      channel: 'C0GENERAL',
      command: '/probe',
      text: 'bump',
      timestamp: Math.floor(Date.now() / 1000) - 6 * 60,
    });
    expect(old.status).toBe(401);
    // The 401 is the receiver's answer after it refused the request, before anything is
    // dispatched: nothing from either request can still be on its way.
    expect(await counter()).toBe(before);
    const audited = await h.app.ctx.audit.query({ actor: 'U0BOB', action: '/probe', limit: 10 });
    expect(audited).toHaveLength(0);
  });

  it('runs the side effect of a retried request once', async () => {
    const before = await counter();
    const first = await h.command('U0BOB', 'C0GENERAL', '/probe bump --note retry');
    expect(first.text).toBe(`bumped to ${before + 1}`);
    const retry = await h.slack.slashCommand({
      user: 'U0BOB',
      channel: 'C0GENERAL',
      command: '/probe',
      text: 'bump --note retry',
      triggerId: first.triggerId,
      retryNum: 1,
    });
    expect(retry.status).toBe(200);
    // The ack comes before the work: wait until the bot has decided what to do with the retry.
    await h.slack.waitFor(
      () => log.entries.find((e) => /duplicate/i.test(e.msg) && (e.fields.action ?? e.fields.command) === '/probe bump'),
      {
        message: 'the retry was never recognised as a duplicate',
      },
    );
    expect(await counter()).toBe(before + 1);
  });

  it('refuses a user without the role, says which role, and audits the refusal', async () => {
    const before = await counter();
    const res = await h.command('U0GRACE', 'C0GENERAL', '/probe bump');
    expect(res.text).toContain('`deployer`');
    expect(await counter()).toBe(before);
    const entries = await h.app.ctx.audit.query({ actor: 'U0GRACE', action: '/probe bump' });
    expect(entries[0]).toMatchObject({ outcome: 'refused', channel: 'C0GENERAL' });
  });

  it('answers a bad subcommand or flag with what was wrong and the usage line, changing nothing', async () => {
    const before = await counter();
    const bad = await h.command('U0BOB', 'C0GENERAL', '/probe bmup');
    expect(bad.text).toContain('no subcommand `bmup`');
    const flag = await h.command('U0BOB', 'C0GENERAL', '/probe bump --colour red');
    expect(flag.text).toContain('Unknown flag `--colour`');
    expect(flag.text).toContain('Usage: `/probe bump [--channel <channel>] [--note <note>]`');
    const quote = await h.command('U0BOB', 'C0GENERAL', '/probe bump --note "never closed');
    expect(quote.text).toContain('never closed');
    expect(await counter()).toBe(before);
  });

  it('delays a message on a 429 from Slack but does not lose it', async () => {
    h.slack.failNext('chat.postMessage', { status: 429, retryAfter: 1 });
    const res = await h.command('U0BOB', 'C0GENERAL', '/probe bump --channel C0DEPLOYS --note ratelimited');
    const n = Number(/bumped to (\d+)/.exec(res.text)?.[1]);
    const msg = await h.slack.waitFor(() => h.slack.messages('C0DEPLOYS').find((m) => m.text === `bump ${n} ratelimited`), {
      timeoutMs: 8000,
    });
    expect(msg.user).toBe('U0SWITCHYARD');
    const calls = h.slack.calls('chat.postMessage').filter((c) => String(c.args.text).includes('ratelimited'));
    expect(calls.length).toBeGreaterThanOrEqual(2);
    const metrics = await h.app.metrics.registry.getSingleMetricAsString('switchyard_slack_rate_limit_waits_total');
    expect(metrics).toContain('reason="retry_after"');
  });

  it('does not lose a queued message across a restart of the bot', async () => {
    h.slack.failNext('chat.postMessage', { status: 429, retryAfter: 2 });
    const res = await h.command('U0BOB', 'C0GENERAL', '/probe bump --channel C0DEPLOYS --note across-restart');
    const n = Number(/bumped to (\d+)/.exec(res.text)?.[1]);
    await h.slack.waitFor(() => h.slack.calls('chat.postMessage').some((c) => String(c.args.text).includes('across-restart')));
    await h.restart();
    const msg = await h.slack.waitFor(() => h.slack.messages('C0DEPLOYS').find((m) => m.text === `bump ${n} across-restart`), {
      timeoutMs: 10_000,
    });
    expect(msg).toBeDefined();
    expect(h.slack.messages('C0DEPLOYS').filter((m) => m.text === `bump ${n} across-restart`)).toHaveLength(1);
  });

  it('serves /healthz, /readyz and Prometheus /metrics', async () => {
    await h.command('U0BOB', 'C0GENERAL', '/probe bump --note metrics'); // counters are per process: the bot restarted above
    const base = `http://127.0.0.1:${h.app.port()}`;
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toContain('switchyard_ack_latency_seconds_bucket');
    expect(metrics).toContain('switchyard_requests_total{kind="command",command="probe"}');
    expect(metrics).toContain('switchyard_queue_depth{queue="slack"}');
  });

  it('lets an auditor read the audit trail and refuses everyone else', async () => {
    const auditor = await h.command('U0FRANK', 'C0GENERAL', '/switchyard audit --since 1h --limit 50');
    expect(auditor.text).toContain('/probe bump');
    expect(auditor.text).toContain('refused');
    const other = await h.command('U0BOB', 'C0GENERAL', '/switchyard audit');
    expect(other.text).toContain('`auditor`');
  });
});
