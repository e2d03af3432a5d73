import { randomBytes } from 'node:crypto';
import type { Harness } from './harness.js';

/**
 * Resolves once everything the bot queued for `channel` before the call has reached Slack: the
 * outbox delivers a channel's messages in order, so a marker queued now arrives after all of them.
 * A test waits on this, not on a sleep, before asserting that some message was never posted.
 */
export async function channelDrained(h: Harness, channel: string): Promise<void> {
  const key = `test-drained-${randomBytes(4).toString('hex')}`;
  await h.app.ctx.chat.post({ channel, key, text: `(outbox marker ${key})` });
  await h.slack.waitFor(() => h.slack.messages(channel).find((m) => m.text.includes(key)), {
    message: `the outbox of ${channel} never drained`,
  });
}
