import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness.js';

// The one outbound path: threads wait for their parent, updates coalesce, pins follow the post,
// and pacing keeps at most one message per channel per interval.
describe('Slack outbox', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ name: 'outbox', env: { SLACK_CHANNEL_INTERVAL_MS: '150' } });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('posts a thread reply under its parent, pins the parent and posts a keyed message once', async () => {
    const chat = h.app.ctx.chat;
    await chat.post({ channel: 'C0DEPLOYS', key: 'parent-1', text: 'parent' });
    await chat.post({ channel: 'C0DEPLOYS', key: 'parent-1', text: 'parent (again)' });
    await chat.post({ channel: 'C0DEPLOYS', threadKey: 'parent-1', text: 'child' });
    await chat.pin('parent-1');
    const parent = await h.slack.waitFor(() => h.slack.messages('C0DEPLOYS').find((m) => m.text === 'parent'));
    const child = await h.slack.waitFor(() => h.slack.messages('C0DEPLOYS', { threadTs: parent.ts }).find((m) => m.text === 'child'));
    expect(child.thread_ts).toBe(parent.ts);
    await h.slack.waitFor(() => h.slack.pins('C0DEPLOYS').includes(parent.ts));
    expect(h.slack.messages('C0DEPLOYS').filter((m) => m.text.startsWith('parent'))).toHaveLength(1);
    expect(await chat.messageRef('parent-1')).toEqual({ channel: 'C0DEPLOYS', ts: parent.ts });
  });

  it('coalesces a burst of updates to the latest state', async () => {
    const chat = h.app.ctx.chat;
    await chat.post({ channel: 'C0CHECKOUT', key: 'progress', text: 'step 0' });
    await h.slack.waitFor(() => h.slack.messages('C0CHECKOUT').find((m) => m.text === 'step 0'));
    for (let i = 1; i <= 20; i++) await chat.update('progress', { text: `step ${i}` });
    await h.slack.waitFor(() => h.slack.messages('C0CHECKOUT').find((m) => m.text === 'step 20'), { timeoutMs: 8000 });
    const updates = h.slack.calls('chat.update').filter((c) => c.args.channel === 'C0CHECKOUT');
    expect(updates.length).toBeLessThan(20);
    expect(h.slack.messages('C0CHECKOUT')).toHaveLength(1);
  });

  it('paces posts to one channel', async () => {
    const chat = h.app.ctx.chat;
    for (let i = 0; i < 4; i++) await chat.post({ channel: 'C0PAYMENTS', key: `paced-${i}`, text: `paced ${i}` });
    await h.slack.waitFor(() => h.slack.messages('C0PAYMENTS').length === 4 || undefined, { timeoutMs: 8000 });
    const times = h.slack
      .calls('chat.postMessage')
      .filter((c) => c.args.channel === 'C0PAYMENTS')
      .map((c) => c.at)
      .sort((a, b) => a - b);
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(140);
  });
});
