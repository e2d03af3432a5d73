import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSwitchyard, type Switchyard } from '../../src/app/app.js';
import { loadSettings } from '../../src/config/settings.js';
import { silentLogger } from '../../src/core/ports/runtime.js';
import { loadWorkspaceSeed, startLocalSlack, type LocalSlack } from '../../src/local-slack/index.js';
import { BOT } from '../support/harness.js';
import { cleanupPrefix, REDIS_URL } from '../support/redis.js';

// Two worker processes drain one Redis: they compete for every channel's drain job, Slack answers
// 429 in the middle, and one worker shuts down while messages are still queued. Each channel must
// still receive its messages in the order they were posted, each exactly once.
describe('outbox with two worker processes', () => {
  const prefix = `t-outbox-workers-${randomBytes(4).toString('hex')}`;
  const signingSecret = randomBytes(16).toString('hex');
  const token = 'xoxb-test-outbox-workers';
  let slack: LocalSlack;
  let web: Switchyard;
  const workers: Switchyard[] = [];

  beforeAll(async () => {
    slack = await startLocalSlack({ seed: loadWorkspaceSeed('config/workspace.yml'), signingSecret, botToken: token, ...BOT });
    const settings = loadSettings({
      REDIS_URL,
      REDIS_PREFIX: prefix,
      PORT: '0',
      HOST: '127.0.0.1',
      SLACK_CHANNEL_INTERVAL_MS: '20',
      LOG_LEVEL: 'silent',
    });
    const build = (role: 'web' | 'worker') =>
      createSwitchyard({ settings, role, slack: { token, signingSecret, apiUrl: slack.apiUrl, ...BOT }, modules: [], log: silentLogger });
    web = await build('web');
    await web.start();
    for (let i = 0; i < 2; i++) {
      const w = await build('worker');
      await w.start();
      workers.push(w);
    }
  });
  afterAll(async () => {
    await web?.stop();
    for (const w of workers) await w.stop();
    await slack?.close();
    const redis = new Redis(REDIS_URL);
    await cleanupPrefix(redis, `{${prefix}}`);
    await redis.quit();
  });

  const texts = (channel: string) =>
    slack
      .messages(channel)
      .map((m) => m.text)
      .filter((t) => t.startsWith('w2 '));

  it('delivers per-channel FIFO, once each, through 429s and a worker leaving mid-drain', async () => {
    const plan: Record<string, number> = { C0DEPLOYS: 40, C0CHECKOUT: 15, C0PAYMENTS: 15 };
    const want = (ch: string) => Array.from({ length: plan[ch]! }, (_, i) => `w2 ${ch} ${i}`);
    for (let i = 0; i < 40; i++) {
      for (const ch of Object.keys(plan))
        if (i < plan[ch]!) await web.ctx.chat.post({ channel: ch, key: `w2-${ch}-${i}`, text: `w2 ${ch} ${i}` });
      if (i === 5) slack.failNext('chat.postMessage', { status: 429, retryAfter: 1 }, 2);
    }
    await slack.waitFor(() => texts('C0DEPLOYS').length >= 10 || undefined, { timeoutMs: 15_000 });
    await workers[0]!.stop(); // graceful: finishes its running drain step, the other carries on
    for (const ch of Object.keys(plan)) {
      await slack.waitFor(() => texts(ch).length === plan[ch] || undefined, {
        timeoutMs: 20_000,
        message: `${ch}: ${texts(ch).length} of ${plan[ch]}`,
      });
    }
    // A later post is a barrier: once it is out, nothing queued before it is still on its way.
    await web.ctx.chat.post({ channel: 'C0DEPLOYS', key: 'w2-barrier', text: 'barrier' });
    await slack.waitFor(() => slack.messages('C0DEPLOYS').find((m) => m.text === 'barrier'));
    for (const ch of Object.keys(plan)) expect(texts(ch)).toEqual(want(ch));
    const delivered = slack.calls('chat.postMessage').filter((c) => String(c.args.text).startsWith('w2 '));
    expect(delivered).toHaveLength(40 + 15 + 15 + 2); // every message once, plus the two answered 429
  });
});
