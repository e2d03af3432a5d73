import { randomBytes } from 'node:crypto';
import { WebClient } from '@slack/web-api';
import type { Redis } from 'ioredis';
import { Metrics } from '../../src/adapters/metrics.js';
import { createRedis } from '../../src/adapters/redis/connection.js';
import { RedisStore } from '../../src/adapters/redis/store.js';
import { SlackChat } from '../../src/adapters/slack/chat.js';
import { SlackBudget, type SlackBudgetOptions } from '../../src/adapters/slack/rate-budget.js';
import { silentLogger } from '../../src/core/ports/runtime.js';
import { loadWorkspaceSeed, startLocalSlack, type LocalSlack } from '../../src/local-slack/index.js';
import { BOT } from '../support/harness.js';
import { cleanupPrefix, REDIS_URL, testPrefix } from '../support/redis.js';

/**
 * Several bot "processes" talking to one local Slack workspace over loopback HTTP, without a whole
 * bot: each `proc` has its own Redis connection, store, Slack budget and Web API client. For the
 * direct calls (directory lookups) only; the outbox is not involved.
 */
export interface SlackProcesses {
  slack: LocalSlack;
  /** A Redis prefix of its own, removed by close(). */
  freshPrefix(name: string): string;
  store(prefix: string): RedisStore;
  proc(prefix: string, budget?: SlackBudgetOptions): { chat: SlackChat; store: RedisStore };
  /** A BullMQ-ready connection (maxRetriesPerRequest: null), closed by close(). */
  bullConnection(): Redis;
  close(): Promise<void>;
}

export async function startSlackProcesses(): Promise<SlackProcesses> {
  const token = `xoxb-test-${randomBytes(6).toString('hex')}`;
  const slack = await startLocalSlack({
    seed: loadWorkspaceSeed('config/workspace.yml'),
    signingSecret: randomBytes(8).toString('hex'),
    botToken: token,
    ...BOT,
  });
  const conns: Redis[] = [];
  const prefixes: string[] = [];
  const store = (prefix: string) => {
    const redis = createRedis(REDIS_URL, { name: 'test-slack-proc', log: silentLogger });
    conns.push(redis);
    return new RedisStore(redis, prefix);
  };
  return {
    slack,
    freshPrefix(name) {
      const p = testPrefix(name);
      prefixes.push(p);
      return p;
    },
    store,
    proc(prefix, budget) {
      const s = store(prefix);
      const client = new WebClient(token, { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 }, rejectRateLimitedCalls: true });
      return { chat: new SlackChat(client, undefined as never, new Metrics(), silentLogger, new SlackBudget(s, budget)), store: s };
    },
    bullConnection() {
      const c = createRedis(REDIS_URL, { forBullmq: true, name: 'test-slack-proc-q', log: silentLogger });
      conns.push(c);
      return c;
    },
    async close() {
      if (conns[0]) for (const p of prefixes) await cleanupPrefix(conns[0], p);
      await Promise.all(conns.map((c) => c.quit()));
      await slack.close();
    },
  };
}
