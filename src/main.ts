import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { createSwitchyard, type Role, type SlackCredentials, type Switchyard } from './app/app.js';
import { createLogger } from './app/logger.js';
import { MODULES } from './app/modules.js';
import { ensureRedis } from './app/private-redis.js';
import { loadSettings, type Settings } from './config/settings.js';
import { ConfigError } from './core/errors.js';
import { loadWorkspaceSeed, runConsole, startLocalSlack, type LocalSlack } from './local-slack/index.js';

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
  if (local && role !== 'all') fail(`"npm run ${role}" needs SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET; without them use "npm start" (local workspace).`);

  // The console owns the terminal in local mode, so logs go to a file there.
  const logFile = local ? join(settings.DATA_DIR, 'switchyard.log') : undefined;
  const log = createLogger(settings.LOG_LEVEL, logFile);
  const redis = await ensureRedis(settings.REDIS_URL, settings.DATA_DIR).catch((err: Error) => fail(err.message));
  settings = { ...settings, REDIS_URL: redis.url };

  let slack: LocalSlack | undefined;
  let creds: SlackCredentials;
  if (local) {
    const signingSecret = randomBytes(16).toString('hex');
    const token = `xoxb-local-${randomBytes(8).toString('hex')}`;
    slack = await startLocalSlack({ seed: loadWorkspaceSeed(join(settings.CONFIG_DIR, 'workspace.yml')), signingSecret, botToken: token, botName: 'switchyard', ...LOCAL_BOT });
    creds = { token, signingSecret, apiUrl: slack.apiUrl, ...LOCAL_BOT };
    settings = { ...settings, HOST: '127.0.0.1', SLACK_CHANNEL_INTERVAL_MS: 0 };
  } else {
    creds = {
      token: settings.SLACK_BOT_TOKEN!,
      signingSecret: settings.SLACK_SIGNING_SECRET!,
      ...(settings.SLACK_APP_TOKEN ? { appToken: settings.SLACK_APP_TOKEN } : {}),
      ...(settings.SLACK_API_URL ? { apiUrl: settings.SLACK_API_URL } : {}),
      ...(settings.SLACK_BOT_ID ? { botId: settings.SLACK_BOT_ID } : {}),
      ...(settings.SLACK_BOT_USER_ID ? { botUserId: settings.SLACK_BOT_USER_ID } : {}),
    };
  }

  let app: Switchyard;
  try {
    app = await createSwitchyard({ settings, role, slack: creds, modules: MODULES, log, metricsDefaults: true });
    await app.start();
  } catch (err) {
    fail(err instanceof ConfigError ? err.message : `Start-up failed: ${(err as Error).message}`);
  }

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    await app.stop();
    await slack?.close();
    redis.child?.kill('SIGTERM');
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));

  if (slack) {
    slack.setBotUrl(`http://127.0.0.1:${app.port()}/slack/events`);
    process.stdout.write(
      `Switchyard is running against a local Slack workspace (logs: ${logFile}; Redis: ${new URL(settings.REDIS_URL).host}).\n` +
        `Type a slash command such as /switchyard help, "help" for the console's own commands, /quit to leave.\n`,
    );
    await runConsole(slack, { input: process.stdin, output: process.stdout, user: 'U0ALICE', channel: 'C0GENERAL' });
    await shutdown('console closed');
  } else {
    process.stdout.write(`Switchyard (${role}) listening on :${app.port()}${settings.SLACK_APP_TOKEN ? ' with Socket Mode' : ' at POST /slack/events'}\n`);
  }
}

function fail(message: string): never {
  process.stderr.write(`switchyard: ${message}\n`);
  process.exit(1);
}

void main();
