import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { createSwitchyard, type Role, type SlackCredentials, type Switchyard } from './app/app.js';
import { createLogger } from './app/logger.js';
import { MODULES } from './app/modules.js';
import { ensureRedis } from './app/private-redis.js';
import { loadSettings, type Settings } from './config/settings.js';
import { ConfigError } from './core/errors.js';
import {
  loadWorkspaceSeed,
  runConsole,
  startLocalExtras,
  startLocalSlack,
  type LocalExtras,
  type LocalSlack,
} from './local-slack/index.js';

/**
 * Entry point: `tsx src/main.ts all|web|worker`.
 * With Slack credentials it serves Slack (HTTP, or Socket Mode with SLACK_APP_TOKEN). Without
 * them it starts the local Slack workspace and a console, so the bot can be tried with no Slack.
 */
const LOCAL_BOT = { botUserId: 'U0SWITCHYARD', botId: 'B0SWITCHYARD' };

async function main(): Promise<void> {
  const role = (process.argv[2] ?? 'all') as Role;
  if (!['all', 'web', 'worker'].includes(role)) fail(`Unknown role "${role}": use all, web or worker.`);
  let settings: Settings;
  try {
    settings = loadSettings(process.env);
  } catch (err) {
    fail(err instanceof ConfigError ? err.message : String(err));
  }
  const local = !settings.SLACK_BOT_TOKEN;
  if (local && role !== 'all')
    fail(
      `"npm run ${role}" needs SLACK_BOT_TOKEN with SLACK_SIGNING_SECRET (HTTP) or SLACK_APP_TOKEN (Socket Mode);` +
        ' without them use "npm start" (local workspace).',
    );

  // The console owns the terminal in local mode, so logs go to a file there.
  const logFile = local ? join(settings.DATA_DIR, 'switchyard.log') : undefined;
  const log = createLogger(settings.LOG_LEVEL, logFile);
  // From here on a refused start must not leave the private redis-server `npm start` launched
  // running on its own: our exit does not end it.
  const managed = Boolean(settings.REDIS_SENTINELS || settings.REDIS_CLUSTER_NODES);
  const redis = await ensureRedis(settings.REDIS_URL, settings.DATA_DIR, managed).catch((err: Error) => fail(err.message));
  settings = { ...settings, REDIS_URL: redis.url };

  let slack: LocalSlack | undefined;
  let extras: LocalExtras | undefined;
  let app: Switchyard | undefined;
  try {
    let creds: SlackCredentials;
    if (local) {
      const signingSecret = randomBytes(16).toString('hex');
      const token = `xoxb-local-${randomBytes(8).toString('hex')}`;
      slack = await startLocalSlack({
        seed: loadWorkspaceSeed(join(settings.CONFIG_DIR, 'workspace.yml')),
        signingSecret,
        botToken: token,
        botName: 'switchyard',
        ...LOCAL_BOT,
      });
      extras = await startLocalExtras(slack, { dataDir: settings.DATA_DIR, uiPort: settings.LOCAL_UI_PORT });
      creds = { token, signingSecret, apiUrl: slack.apiUrl, ...LOCAL_BOT };
      settings = { ...settings, HOST: '127.0.0.1', SLACK_CHANNEL_INTERVAL_MS: 0 };
    } else {
      creds = {
        token: settings.SLACK_BOT_TOKEN!,
        ...(settings.SLACK_SIGNING_SECRET ? { signingSecret: settings.SLACK_SIGNING_SECRET } : {}),
        ...(settings.SLACK_APP_TOKEN ? { appToken: settings.SLACK_APP_TOKEN } : {}),
        ...(settings.SLACK_API_URL ? { apiUrl: settings.SLACK_API_URL } : {}),
        ...(settings.SLACK_BOT_ID ? { botId: settings.SLACK_BOT_ID } : {}),
        ...(settings.SLACK_BOT_USER_ID ? { botUserId: settings.SLACK_BOT_USER_ID } : {}),
      };
    }
    app = await createSwitchyard({ settings, role, slack: creds, modules: MODULES, log, metricsDefaults: true });
    await app.start();
  } catch (err) {
    // A half-started app (workers running, port refused) is stopped too, or it keeps the process
    // alive; then the private redis-server goes.
    const half = app;
    const localSlack = slack;
    await failAfterRedis(err instanceof ConfigError ? err.message : `Start-up failed: ${(err as Error).message}`, async () => {
      await half?.stop().catch(() => undefined);
      await extras?.close().catch(() => undefined);
      await localSlack?.close().catch(() => undefined);
      await stopPrivateRedis(redis.child);
    });
  }
  const started = app!;

  let stopping = false;
  // The first SIGTERM drains (running stages get SHUTDOWN_GRACE_MS to finish). A second signal
  // exits at once: the shell runner ends the commands it started as the process exits, and the
  // next worker takes their stages over.
  const shutdown = async (signal: string) => {
    if (stopping) {
      log.warn({ signal }, 'second signal: exiting without waiting for running stages');
      process.exit(1);
    }
    stopping = true;
    log.info({ signal, graceMs: settings.SHUTDOWN_GRACE_MS }, 'shutting down: draining running stages');
    await started.stop();
    await extras?.close();
    await slack?.close();
    await stopPrivateRedis(redis.child);
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));

  if (slack) {
    slack.setBotUrl(`http://127.0.0.1:${started.port()}/slack/events`);
    process.stdout.write(
      `Switchyard is running against a local Slack workspace (logs: ${logFile}; Redis: ${new URL(settings.REDIS_URL).host}).\n` +
        `Type a slash command such as /switchyard help, "help" for the console's own commands, /quit to leave.\n` +
        ('url' in extras!.page
          ? `Open ${extras!.page.url} in a browser: the same workspace as a Slack-like page.\n`
          : `! ${extras!.page.error}\n`),
    );
    await runConsole(slack, { input: process.stdin, output: process.stdout, user: 'U0ALICE', channel: 'C0GENERAL' });
    await shutdown('console closed');
  } else {
    process.stdout.write(`${servesLine(role, started.port(), Boolean(settings.SLACK_APP_TOKEN))}\n`);
  }
}

/** What this process serves: a worker takes no Slack traffic, only jobs and the health endpoints. */
function servesLine(role: Role, port: number, socketMode: boolean): string {
  const health = `GET /healthz, /readyz and /metrics on :${port}`;
  if (role === 'worker') return `Switchyard (worker) running job workers (stages, timers, Slack posts); ${health}; no Slack traffic here.`;
  const slack = socketMode ? 'Slack over Socket Mode' : `Slack at POST /slack/events on :${port}`;
  return `Switchyard (${role}) serving ${slack}, webhooks and ${health}${role === 'all' ? '; job workers running' : ''}.`;
}

async function stopPrivateRedis(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise<boolean>((resolve) => child.once('exit', () => resolve(true)));
  child.kill('SIGTERM');
  // redis-server refuses SIGTERM when it cannot write its final save: then it is killed.
  if (!(await Promise.race([gone, new Promise<boolean>((r) => setTimeout(() => r(false), 5000))]))) child.kill('SIGKILL');
}

function fail(message: string): never {
  process.stderr.write(`switchyard: ${message}\n`);
  process.exit(1);
}

async function failAfterRedis(message: string, cleanup: () => Promise<void>): Promise<never> {
  process.stderr.write(`switchyard: ${message}\n`);
  await cleanup().catch(() => undefined);
  process.exit(1);
}

void main();
