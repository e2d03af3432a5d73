import { outboxStats } from '../src/adapters/slack/outbox.js';
import { startHarness, type Harness } from '../test/support/harness.js';
import type { Bench, BenchResult } from './types.js';

/**
 * The Slack outbox under a backlog, through the local Slack workspace:
 *  - wake-ups of the drain jobs per delivered message, with posts to three channels interleaved
 *    and two 429s (Retry-After 1 s) in the middle (goal <= 1.5; the polling outbox made ~268);
 *  - channels whose messages arrived exactly in the order posted (goal: all of them);
 *  - bot CPU while 1,000 messages wait for one channel paced at one message a second, as real
 *    Slack paces chat.postMessage (goal <= 5% of a core).
 * The local Slack runs in the same process, so the CPU figure includes its (small) share.
 */
const MESSAGES = Number(process.env.BENCH_OUTBOX_MESSAGES ?? 300);
const BACKLOG = Number(process.env.BENCH_OUTBOX_BACKLOG ?? 1000);
const CPU_SECONDS = Number(process.env.BENCH_OUTBOX_CPU_SECONDS ?? 3);
const CHANNELS = ['C0DEPLOYS', 'C0CHECKOUT', 'C0PAYMENTS'];

const texts = (h: Harness, ch: string) =>
  h.slack
    .messages(ch)
    .map((m) => m.text)
    .filter((t) => t.startsWith('bench '));

async function drainFigures(): Promise<BenchResult[]> {
  const h = await startHarness({ name: 'bench-outbox', env: { SLACK_CHANNEL_INTERVAL_MS: '20' } });
  try {
    const before = { ...outboxStats };
    const want = new Map(CHANNELS.map((ch) => [ch, [] as string[]]));
    for (let i = 0; i < MESSAGES; i++) {
      const ch = CHANNELS[i % CHANNELS.length]!;
      const text = `bench ${ch} ${i}`;
      want.get(ch)!.push(text);
      await h.app.ctx.chat.post({ channel: ch, key: `bench-${i}`, text });
      if (i === Math.floor(MESSAGES / 3)) h.slack.failNext('chat.postMessage', { status: 429, retryAfter: 1 }, 2);
    }
    // Slack sees a message a moment before the bot has recorded it: wait for both.
    await h.slack.waitFor(
      () =>
        (CHANNELS.every((ch) => texts(h, ch).length >= want.get(ch)!.length) && outboxStats.posts - before.posts >= MESSAGES) || undefined,
      {
        timeoutMs: 120_000,
        message: 'outbox backlog not delivered',
      },
    );
    const wakeups = outboxStats.wakeups - before.wakeups;
    const posts = outboxStats.posts - before.posts;
    const ordered = CHANNELS.filter((ch) => JSON.stringify(texts(h, ch)) === JSON.stringify(want.get(ch))).length;
    return [
      {
        name: `outbox wake-ups per delivered message (${MESSAGES} posts, 3 channels, 2 x 429)`,
        value: Number((wakeups / Math.max(1, posts)).toFixed(2)),
        unit: 'wake-ups',
        goal: { op: '<=', value: 1.5 },
        note: `${wakeups} wake-ups, ${posts} posts`,
      },
      {
        name: 'outbox channels whose messages arrived in the order posted',
        value: ordered,
        unit: `of ${CHANNELS.length} channels`,
        goal: { op: '>=', value: CHANNELS.length },
      },
    ];
  } finally {
    await h.close();
  }
}

async function idleCpu(): Promise<BenchResult> {
  const h = await startHarness({ name: 'bench-outbox-cpu', env: { SLACK_CHANNEL_INTERVAL_MS: '1000' } });
  try {
    for (let i = 0; i < BACKLOG; i++) await h.app.ctx.chat.post({ channel: 'C0GENERAL', key: `backlog-${i}`, text: `backlog ${i}` });
    await h.slack.waitFor(() => h.slack.messages('C0GENERAL').length > 0 || undefined);
    const before = { ...outboxStats };
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, CPU_SECONDS * 1000));
    const used = process.cpuUsage(cpu0);
    const pct = ((used.user + used.system) / 1000 / (performance.now() - t0)) * 100;
    const note = `${outboxStats.wakeups - before.wakeups} wake-ups for ${outboxStats.posts - before.posts} deliveries in ${CPU_SECONDS}s`;
    return {
      name: `bot CPU while ${BACKLOG} messages wait for one channel paced at 1/s`,
      value: Number(pct.toFixed(2)),
      unit: '% of a core',
      goal: { op: '<=', value: 5 },
      note,
    };
  } finally {
    await h.close();
  }
}

export const bench: Bench = async () => [...(await drainFigures()), await idleCpu()];
