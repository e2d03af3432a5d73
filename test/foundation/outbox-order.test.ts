import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness.js';
import { REDIS_URL, waitFor } from '../support/redis.js';

// The outbox from the failure's side: Slack answering 429 in the middle of a burst, a person
// deleting the pinned summary, a pin asked for twice. Messages to one channel must arrive in the
// order they were posted, each once, and a 429 must never cost the drain job an attempt.

const texts = (h: Harness, channel: string, prefix: string) =>
  h.slack
    .messages(channel)
    .map((m) => m.text)
    .filter((t) => t.startsWith(prefix));
const sent = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix} ${i}`);

/** Every drain job BullMQ completed: attempts charged (the completing run counts as one) and errors. */
async function drainJobAttempts(h: Harness): Promise<Array<{ attemptsMade: number; errors: number }>> {
  const connection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const queue = new Queue('slack', { connection, prefix: `{${h.settings.REDIS_PREFIX}}:q` });
  try {
    const jobs = await queue.getJobs(['completed']);
    return jobs
      .filter((j) => j.name === 'slack.deliver')
      .map((j) => ({ attemptsMade: j.attemptsMade, errors: (j.stacktrace ?? []).length }));
  } finally {
    await queue.close();
    await connection.quit();
  }
}

describe('outbox order and repair', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ name: 'outbox-order', env: { SLACK_CHANNEL_INTERVAL_MS: '30' } });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('delivers 30 posts to one channel in the order posted, once each, through 429s in the middle', async () => {
    const chat = h.app.ctx.chat;
    const want = sent('ordered', 30);
    for (const [i, text] of want.entries()) {
      await chat.post({ channel: 'C0DEPLOYS', key: `ordered-${i}`, text });
      // Slack starts answering 429 once a few have gone out (two in a row, Retry-After 1 s).
      if (i === 10) {
        await h.slack.waitFor(() => texts(h, 'C0DEPLOYS', 'ordered').length >= 3 || undefined);
        h.slack.failNext('chat.postMessage', { status: 429, retryAfter: 1 }, 2);
      }
    }
    await h.slack.waitFor(() => texts(h, 'C0DEPLOYS', 'ordered').length === 30 || undefined, { timeoutMs: 15_000 });
    expect(texts(h, 'C0DEPLOYS', 'ordered')).toEqual(want);
    const calls = h.slack
      .calls('chat.postMessage')
      .filter((c) => c.args.channel === 'C0DEPLOYS' && String(c.args.text).startsWith('ordered'));
    expect(calls).toHaveLength(32); // 30 deliveries + the 2 answered 429, re-sent after Retry-After
    // Waiting out Retry-After is not a failed attempt: each drain job completed on its first.
    // The drain job completes just after the last message is out (once it finds the queue empty).
    const drains = await waitFor(
      async () => {
        const done = await drainJobAttempts(h);
        return done.length ? done : undefined;
      },
      5000,
      'a completed drain job',
    );
    expect(drains.filter((d) => d.attemptsMade > 1 || d.errors > 0)).toEqual([]);
  });

  it('keeps each channel in order when posts to several channels interleave', async () => {
    const chat = h.app.ctx.chat;
    const channels = ['C0CHECKOUT', 'C0PAYMENTS', 'C0NOC'];
    for (let i = 0; i < 12; i++) for (const ch of channels) await chat.post({ channel: ch, key: `mix-${ch}-${i}`, text: `mix ${i}` });
    for (const ch of channels) {
      await h.slack.waitFor(() => texts(h, ch, 'mix').length === 12 || undefined, { timeoutMs: 15_000 });
      expect(texts(h, ch, 'mix')).toEqual(sent('mix', 12));
    }
  });

  it('re-posts a deleted summary with its buttons on the next update, under the same key, and pins it again', async () => {
    const chat = h.app.ctx.chat;
    const blocks = (state: string) => [
      { type: 'section', text: { type: 'mrkdwn', text: `Summary: ${state}` } },
      {
        type: 'actions',
        elements: [{ type: 'button', action_id: 'inc_ack', text: { type: 'plain_text', text: 'Acknowledge' }, value: 'INC-1' }],
      },
    ];
    await chat.post({ channel: 'C0INCIDENTS', key: 'inc-1-summary', text: 'Summary: open', blocks: blocks('open') as never });
    await chat.pin('inc-1-summary');
    const first = await h.slack.waitFor(() => h.slack.messages('C0INCIDENTS').find((m) => m.text === 'Summary: open'));
    await h.slack.waitFor(() => h.slack.pins('C0INCIDENTS').includes(first.ts));

    // Someone deletes the pinned summary in the client (chat.delete sets the same flag).
    h.slack.message('C0INCIDENTS', first.ts)!.deleted = true;
    await chat.update('inc-1-summary', { text: 'Summary: mitigated', blocks: blocks('mitigated') as never });

    const again = await h.slack.waitFor(() => h.slack.messages('C0INCIDENTS').find((m) => m.text === 'Summary: mitigated'));
    expect(again.ts).not.toBe(first.ts);
    expect(JSON.stringify(again.blocks)).toContain('inc_ack');
    await h.slack.waitFor(() => h.slack.pins('C0INCIDENTS').includes(again.ts));
    // The pin follows the recorded ts, so by now the key points at the new message.
    expect(await chat.messageRef('inc-1-summary')).toEqual({ channel: 'C0INCIDENTS', ts: again.ts });
    expect(h.slack.calls('chat.update').filter((c) => c.args.ts === first.ts)).toHaveLength(1);

    // Later edits go to the new message.
    await chat.update('inc-1-summary', { text: 'Summary: resolved', blocks: blocks('resolved') as never });
    await h.slack.waitFor(() => h.slack.message('C0INCIDENTS', again.ts)?.text === 'Summary: resolved' || undefined);
    expect(h.slack.messages('C0INCIDENTS').filter((m) => m.text.startsWith('Summary'))).toHaveLength(1);
  });

  it('retries a transient Slack error in place and drops only a message Slack refuses for good', async () => {
    const chat = h.app.ctx.chat;
    h.slack.failNext('chat.postMessage', { error: 'internal_error' });
    for (let i = 0; i < 4; i++) await chat.post({ channel: 'C0APPROVALS', key: `transient-${i}`, text: `transient ${i}` });
    await chat.post({ channel: 'C0NOSUCH', key: 'nowhere', text: 'to a channel that does not exist' });
    await chat.post({ channel: 'C0NOSUCH', threadKey: 'nowhere', text: 'reply under it' });
    await chat.post({ channel: 'C0NOSUCH', key: 'nowhere-after', text: 'still tried' });
    await h.slack.waitFor(() => texts(h, 'C0APPROVALS', 'transient').length === 4 || undefined, { timeoutMs: 10_000 });
    expect(texts(h, 'C0APPROVALS', 'transient')).toEqual(sent('transient', 4));
    // The refused post does not block its channel's queue: the next one is tried, the reply dropped.
    await h.slack.waitFor(() => h.slack.calls('chat.postMessage').find((c) => c.args.text === 'still tried'));
    expect(
      h.slack
        .calls('chat.postMessage')
        .filter((c) => c.args.channel === 'C0NOSUCH')
        .map((c) => c.args.text),
    ).toEqual(['to a channel that does not exist', 'still tried']);
    expect(await chat.messageRef('nowhere')).toBeNull();
  });

  it('sends pins.add once for a message pinned twice around its post', async () => {
    const chat = h.app.ctx.chat;
    await chat.post({ channel: 'C0STAKE', key: 'pin-once', text: 'pin me once' });
    await chat.pin('pin-once');
    await chat.pin('pin-once');
    const msg = await h.slack.waitFor(() => h.slack.messages('C0STAKE').find((m) => m.text === 'pin me once'));
    await h.slack.waitFor(() => h.slack.pins('C0STAKE').includes(msg.ts));
    await chat.pin('pin-once');
    // The channel's queue is FIFO: once a later post is out, every earlier entry has been handled.
    await chat.post({ channel: 'C0STAKE', key: 'pin-once-barrier', text: 'after the pins' });
    await h.slack.waitFor(() => h.slack.messages('C0STAKE').find((m) => m.text === 'after the pins'));
    expect(h.slack.calls('pins.add').filter((c) => c.args.timestamp === msg.ts)).toHaveLength(1);
  });
});

describe('outbox across a restart', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ name: 'outbox-restart', env: { SLACK_CHANNEL_INTERVAL_MS: '80' } });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('delivers every queued message exactly once and in order when the bot restarts mid-drain', async () => {
    const want = sent('restart', 15);
    for (const [i, text] of want.entries()) await h.app.ctx.chat.post({ channel: 'C0GENERAL', key: `restart-${i}`, text });
    await h.slack.waitFor(() => texts(h, 'C0GENERAL', 'restart').length >= 3 || undefined);
    await h.restart();
    await h.slack.waitFor(() => texts(h, 'C0GENERAL', 'restart').length === 15 || undefined, { timeoutMs: 15_000 });
    // A later post is a barrier: nothing queued before it is still on its way.
    await h.app.ctx.chat.post({ channel: 'C0GENERAL', key: 'restart-barrier', text: 'barrier' });
    await h.slack.waitFor(() => h.slack.messages('C0GENERAL').find((m) => m.text === 'barrier'));
    expect(texts(h, 'C0GENERAL', 'restart')).toEqual(want);
    expect(h.slack.calls('chat.postMessage').filter((c) => String(c.args.text).startsWith('restart'))).toHaveLength(15);
  });

  it('delivers what waited while no worker ran for longer than the channel stays armed', async () => {
    const store = h.app.ctx.store;
    for (let i = 0; i < 5; i++) await h.app.ctx.chat.post({ channel: 'C0HELPDESK', key: `down-${i}`, text: `down ${i}` });
    await h.slack.waitFor(() => texts(h, 'C0HELPDESK', 'down').length >= 1 || undefined);
    await h.stopBot();
    // Workers stayed down past ARM_TTL_MS: the channel's arm has expired.
    const arm = store.key('outbox', 'arm', 'C0HELPDESK');
    const redis = new Redis(REDIS_URL);
    await redis.del(arm);
    await redis.quit();
    await h.startBot();
    await h.slack.waitFor(() => texts(h, 'C0HELPDESK', 'down').length === 5 || undefined, { timeoutMs: 10_000 });
    expect(texts(h, 'C0HELPDESK', 'down')).toEqual(sent('down', 5));
  });
});
