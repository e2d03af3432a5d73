import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness.js';
import { REDIS_URL, waitFor } from '../support/redis.js';

// chat.update is Tier 3 for the whole workspace: when Slack answers one channel's edit with 429,
// the outbox must not send another channel's edit into the same window. That channel's drain job
// waits in BullMQ's delayed set for Retry-After instead (no polling, no attempt used).
describe('the outbox within the workspace budget', () => {
  let h: Harness;
  let redis: Redis;
  let slackQueue: Queue;
  beforeAll(async () => {
    h = await startHarness({ name: 'outbox-budget', env: { SLACK_RATE_LIMITER: 'tiers' } });
    redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
    slackQueue = new Queue('slack', { connection: redis, prefix: `{${h.wiring.prefix}}:q` });
  });
  afterAll(async () => {
    await slackQueue?.close();
    await redis?.quit();
    await h?.close();
  });

  const updatesTo = (channel: string) => h.slack.calls('chat.update').filter((c) => c.args.channel === channel);

  it("holds every channel's chat.update for the Retry-After of one channel's 429", async () => {
    const chat = h.app.ctx.chat;
    await chat.post({ channel: 'C0DEPLOYS', key: 'budget-a', text: 'a v1' });
    await chat.post({ channel: 'C0CHECKOUT', key: 'budget-b', text: 'b v1' });
    await h.slack.waitFor(() => h.slack.messages('C0DEPLOYS').some((m) => m.text === 'a v1') || undefined);
    await h.slack.waitFor(() => h.slack.messages('C0CHECKOUT').some((m) => m.text === 'b v1') || undefined);

    h.slack.failNext('chat.update', { status: 429, retryAfter: 45 });
    await chat.update('budget-a', { text: 'a v2' });
    await h.slack.waitFor(() => updatesTo('C0DEPLOYS').length === 1 || undefined);

    await chat.update('budget-b', { text: 'b v2' });
    // The other channel's drain job found chat.update held and went to sleep until it ends.
    const delayed = await waitFor(async () => {
      const jobs = await slackQueue.getDelayed();
      return jobs.find((j) => (j.data as { channel?: string }).channel === 'C0CHECKOUT');
    });
    expect(delayed.delay).toBeGreaterThan(40_000);
    expect(updatesTo('C0CHECKOUT')).toHaveLength(0);
    expect(h.slack.messages('C0CHECKOUT').find((m) => m.text.startsWith('b '))?.text).toBe('b v1');
  });
});
