import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { createSwitchyard, type Role, type Switchyard } from '../../src/app/app.js';
import { loadSettings, type Settings } from '../../src/config/settings.js';
import type { ModuleFactory } from '../../src/core/module.js';
import { silentLogger, type Clock, type Logger } from '../../src/core/ports/runtime.js';
import { loadWorkspaceSeed, startLocalSlack, type LocalSlack } from '../../src/local-slack/index.js';
import type { Ephemeral, WorkspaceSeed } from '../../src/local-slack/types.js';
import { cleanupPrefix, REDIS_URL } from './redis.js';

/**
 * A whole Switchyard (web + worker roles in this process) wired to a local Slack workspace over
 * loopback HTTP, with its own Redis prefix so test files run in parallel. Tests drive it only the
 * way Slack would: signed requests in, Web API calls out.
 */
export const BOT = { botUserId: 'U0SWITCHYARD', botId: 'B0SWITCHYARD' };

export interface HarnessOptions {
  name: string;
  modules?: ModuleFactory[];
  env?: Record<string, string>;
  log?: Logger;
  /** The bot's clock (retention tests move it); the system clock when left out. */
  clock?: Clock;
  /** The local workspace's people, groups and channels; config/workspace.yml when not given. */
  seed?: WorkspaceSeed;
  /** How Slack reaches the bot: signed HTTP (default) or Socket Mode (an app token, no signing secret). */
  transport?: 'http' | 'socket';
  /** The bot's role; 'all' (web and worker in this process) when not given. */
  role?: Role;
}

export interface Harness {
  slack: LocalSlack;
  /** What a second bot process needs to join this one (same Redis prefix, same Slack workspace). */
  wiring: { prefix: string; token: string; signingSecret: string; apiUrl: string };
  app: Switchyard;
  settings: Settings;
  /** Sends a signed slash command and waits for the bot's answer to the invoker. */
  command(user: string, channel: string, line: string, opts?: { retryNum?: number; triggerId?: string }): Promise<CommandResult>;
  /** Stops the bot (graceful) and starts a new one on the same Redis prefix: a restart. */
  restart(): Promise<void>;
  stopBot(): Promise<void>;
  startBot(): Promise<void>;
  close(): Promise<void>;
}

export interface CommandResult {
  status: number;
  triggerId: string;
  /** The ephemeral answer (response_url), or undefined if none came within the wait. */
  reply?: Ephemeral;
  text: string;
}

export async function startHarness(o: HarnessOptions): Promise<Harness> {
  const prefix = `t-${o.name.replace(/[^A-Za-z0-9_-]/g, '-')}-${randomBytes(4).toString('hex')}`;
  const signingSecret = randomBytes(16).toString('hex');
  const token = `xoxb-test-${randomBytes(6).toString('hex')}`;
  const appToken = o.transport === 'socket' ? `xapp-1-A0LOCALAPP-${randomBytes(6).toString('hex')}` : undefined;
  const slack = await startLocalSlack({
    ...(appToken ? { appToken } : {}),
    seed: o.seed ?? loadWorkspaceSeed('config/workspace.yml'),
    signingSecret,
    botToken: token,
    ...BOT,
  });
  const settings = loadSettings({
    // Commands run by stages inherit only these (Settings.COMMAND_ENV), as in production.
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    REDIS_URL,
    REDIS_PREFIX: prefix,
    PORT: '0',
    HOST: '127.0.0.1',
    SLACK_CHANNEL_INTERVAL_MS: '0',
    // The local Slack has no rate limits; tests of the shared limiter turn it on.
    SLACK_RATE_LIMITER: 'off',
    LOG_LEVEL: 'silent',
    // A stop interrupts running stages at once (as restarts in tests expect); drain tests set it.
    SHUTDOWN_GRACE_MS: '0',
    ...o.env,
  });
  const build = () =>
    createSwitchyard({
      settings,
      role: o.role ?? 'all',
      slack: { token, ...(appToken ? { appToken } : { signingSecret }), apiUrl: slack.apiUrl, ...BOT },
      modules: o.modules ?? [],
      log: o.log ?? silentLogger,
      ...(o.clock ? { clock: o.clock } : {}),
    });
  let app: Switchyard | undefined;
  const startBot = async () => {
    app = await build();
    await app.start();
    slack.setBotUrl(`http://127.0.0.1:${app.port()}/slack/events`);
  };
  await startBot();

  const h: Harness = {
    slack,
    wiring: { prefix, token, signingSecret, apiUrl: slack.apiUrl },
    get app() {
      if (!app) throw new Error('bot is stopped');
      return app;
    },
    settings,
    async command(user, channel, line, opts = {}) {
      const m = /^(\/\S+)\s*([\s\S]*)$/.exec(line);
      if (!m) throw new Error(`not a slash command: ${line}`);
      const before = slack.ephemerals(user).length;
      const res = await slack.slashCommand({ user, channel, command: m[1]!, text: m[2]!, ...opts });
      let reply: Ephemeral | undefined;
      if (res.status === 200) {
        reply = await slack
          .waitFor(
            () =>
              slack
                .ephemerals(user)
                .slice(before)
                .find((e) => e.channel === channel),
            { timeoutMs: 8000, message: `no answer to ${line}` },
          )
          .catch(() => undefined);
      }
      // `text` is the answer as a person reads it: Slack shows `&lt;` as `<`.
      return { status: res.status, triggerId: res.triggerId, ...(reply ? { reply } : {}), text: unescapeEntities(reply?.text ?? '') };
    },
    async restart() {
      await h.stopBot();
      await startBot();
    },
    async stopBot() {
      await app?.stop();
      app = undefined;
      // Bolt's Socket Mode stop does not wait for the close handshake: a restart must not send to the old connection.
      if (appToken) await slack.waitFor(() => slack.socketConnections === 0, { message: 'the Socket Mode connection stayed open' });
    },
    startBot,
    async close() {
      await app?.stop();
      await slack.close();
      const redis = new Redis(REDIS_URL);
      await cleanupPrefix(redis, `{${prefix}}`);
      await redis.quit();
    },
  };
  return h;
}

/** Slack's three entities, as the client shows them. */
export function unescapeEntities(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}
