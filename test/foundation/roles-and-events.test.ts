import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSwitchyard, type Switchyard } from '../../src/app/app.js';
import { loadSettings } from '../../src/config/settings.js';
import { silentLogger } from '../../src/core/ports/runtime.js';
import { ChannelQueues } from '../../src/adapters/slack/outbox-queue.js';
import { loadWorkspaceSeed, startLocalSlack, type LocalSlack } from '../../src/local-slack/index.js';
import { BOT } from '../support/harness.js';
import { probeModule } from '../support/probe-module.js';
import { cleanupPrefix, REDIS_URL } from '../support/redis.js';

// `npm run web` and `npm run worker` as separate processes against one Redis: the web process
// takes Slack traffic, the worker delivers what it queued. Nothing lives only in one's memory.
describe('separate web and worker roles', () => {
  const prefix = `t-roles-${randomBytes(4).toString('hex')}`;
  const signingSecret = randomBytes(16).toString('hex');
  const token = 'xoxb-test-roles';
  let slack: LocalSlack;
  let web: Switchyard;
  let worker: Switchyard | undefined;

  beforeAll(async () => {
    slack = await startLocalSlack({ seed: loadWorkspaceSeed('config/workspace.yml'), signingSecret, botToken: token, ...BOT });
    const settings = loadSettings({
      REDIS_URL,
      REDIS_PREFIX: prefix,
      PORT: '0',
      HOST: '127.0.0.1',
      SLACK_CHANNEL_INTERVAL_MS: '0',
      LOG_LEVEL: 'silent',
    });
    const build = (role: 'web' | 'worker') =>
      createSwitchyard({
        settings,
        role,
        slack: { token, signingSecret, apiUrl: slack.apiUrl, ...BOT },
        modules: [probeModule],
        log: silentLogger,
      });
    web = await build('web');
    await web.start();
    slack.setBotUrl(`http://127.0.0.1:${web.port()}/slack/events`);
    worker = await build('worker');
  });
  afterAll(async () => {
    await web?.stop();
    await worker?.stop();
    await slack?.close();
    const redis = new Redis(REDIS_URL);
    await cleanupPrefix(redis, `{${prefix}}`);
    await redis.quit();
  });

  it('queues in the web process and delivers from the worker process once it runs', async () => {
    const res = await slack.slashCommand({
      user: 'U0BOB',
      channel: 'C0GENERAL',
      command: '/probe',
      text: 'bump --channel C0DEPLOYS --note split',
    });
    expect(res.status).toBe(200);
    await slack.waitFor(() => slack.ephemerals('U0BOB').find((e) => e.text === 'bumped to 1'));
    // The command answered after queueing its post: the post is waiting at the head of the
    // channel's outbox, taken by no one, so nothing is on its way to Slack.
    expect(await new ChannelQueues(web.ctx.store).head('C0DEPLOYS')).toEqual({ op: 'post', key: 'probe-1' });
    expect(slack.messages('C0DEPLOYS').some((m) => m.text === 'bump 1 split')).toBe(false); // no worker yet
    await worker!.start();
    await slack.waitFor(() => slack.messages('C0DEPLOYS').find((m) => m.text === 'bump 1 split'));
  });

  it('answers a mention in its thread once, even when Slack retries the event', async () => {
    const first = await slack.appMention('U0GRACE', 'C0GENERAL', 'hello?');
    await slack.sendEvent(
      { type: 'app_mention', user: 'U0GRACE', channel: 'C0GENERAL', ts: first.ts, text: `<@${BOT.botUserId}> hello?` },
      { eventId: first.eventId, retryNum: 1, retryReason: 'http_timeout' },
    );
    const reply = await slack.waitFor(() => slack.messages('C0GENERAL', { threadTs: first.ts }).find((m) => m.user === BOT.botUserId));
    expect(reply.text).toContain('/switchyard help');
    // A later mention in the same channel, answered through the same ordered outbox: once its
    // reply is there, a reply to the retry (handled first) would be there too.
    const later = await slack.appMention('U0GRACE', 'C0GENERAL', 'still there?');
    await slack.waitFor(() => slack.messages('C0GENERAL', { threadTs: later.ts }).find((m) => m.user === BOT.botUserId));
    expect(slack.messages('C0GENERAL', { threadTs: first.ts }).filter((m) => m.user === BOT.botUserId)).toHaveLength(1);
  });
});
