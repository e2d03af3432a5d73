import { randomUUID } from 'node:crypto';
import type { WebClient } from '@slack/web-api';
import type { JobContext, JobProcessor, JobQueue } from '../../core/ports/jobs.js';
import type { Logger } from '../../core/ports/runtime.js';
import type { Store } from '../../core/ports/store.js';
import type { Metrics } from '../metrics.js';
import { ChannelQueues, DOC_TTL_MS, OUTBOX_JOB, pushAndArm, type Entry, type OutboxDoc } from './outbox-queue.js';
import type { SlackBudget } from './rate-budget.js';
import { classify, isPermanent } from './web-errors.js';

/**
 * The drain job of one channel: delivers the channel's FIFO head first. Exactly one job per
 * channel exists while it has work (its epoch, see outbox-queue.ts), and a Redis lease keeps even
 * a stalled-and-retried copy of it from draining alongside. Between two messages it does not poll:
 * it moves itself to BullMQ's delayed set until the channel's next slot (pace or 429 Retry-After)
 * opens, so each delivered message costs about one wake-up. Waiting is never a failed attempt.
 */
/** Short and renewed before each message: a drainer killed outright frees its channel within seconds. */
const LEASE_MS = 15_000;
/** Entries handled per wake-up before yielding the worker slot to other channels. */
const BATCH = 50;
/** A reply whose parent sits in another channel's queue waits for it this long between looks. */
const PARENT_WAIT_MS = 300;
/** Transport errors (timeouts, 5xx) on one entry before it is dropped. */
const MAX_TRIES = 8;

/** Process-wide counters for `npm run bench` (wake-ups per delivered message). */
export const outboxStats = { wakeups: 0, posts: 0, updates: 0, pins: 0, reposts: 0 };

type Sent<T> = { ok: T } | { waitMs: number } | { error: string; permanent: boolean };

export interface OutboxDeps {
  store: Store;
  jobs: JobQueue;
  client: WebClient;
  intervalMs: number;
  metrics: Metrics;
  log: Logger;
  /** Workspace-wide budgets of chat.update and pins.add, and 429 holds shared with direct calls. */
  budget: SlackBudget;
}

export function outboxProcessor(deps: OutboxDeps): JobProcessor {
  const { store, client, metrics, log, intervalMs, budget } = deps;
  const queues = new ChannelQueues(store);
  const docKey = (key: string) => store.key('msg', key);
  const setDoc = (key: string, patch: (cur: OutboxDoc) => OutboxDoc) =>
    store.update<OutboxDoc>(docKey(key), (cur) => (cur ? patch(cur) : null));

  async function send<T>(channel: string, method: string, fn: () => Promise<T>): Promise<Sent<T>> {
    try {
      return { ok: await fn() };
    } catch (err) {
      const f = classify(err);
      metrics.slackApiErrors.inc({ method, error: f.error });
      if (f.kind === 'rate_limited') {
        const ms = await budget.rateLimited(method, f.retryAfterMs);
        metrics.rateLimitWaits.inc({ method, reason: 'retry_after' });
        metrics.rateLimitWaitSeconds.inc({ method }, ms / 1000);
        log.warn({ method, channel, retryAfterMs: ms }, 'Slack rate limited; holding the channel');
        await queues.hold(channel, method, ms);
        return { waitMs: ms };
      }
      if (isPermanent(f) || f.error === 'already_pinned') return { error: f.error, permanent: true };
      const tries = await queues.tries(channel);
      if (tries >= MAX_TRIES) return { error: f.error, permanent: true };
      return { waitMs: Math.min(1000 * 2 ** (tries - 1), 60_000) };
    }
  }

  /**
   * Time to wait before `method` may go to `channel` (its pace and 429 holds), then within the
   * method's workspace-wide budget; 0 means go, and the call is counted in that budget.
   */
  async function slot(channel: string, method: string, paced: boolean): Promise<number> {
    const ms = await queues.waitMs(channel, method, paced && intervalMs > 0);
    if (ms > 0) {
      metrics.rateLimitWaits.inc({ method, reason: 'channel_pace' });
      return ms;
    }
    const shared = await budget.take(method);
    if (shared > 0) metrics.rateLimitWaits.inc({ method, reason: 'workspace_budget' });
    return shared;
  }

  /** chat.postMessage of the doc's latest content; records ts. Used for posts and re-posts. */
  async function postDoc(
    channel: string,
    key: string,
    doc: OutboxDoc,
    threadTs: string | undefined,
    extra: Partial<OutboxDoc> = {},
  ): Promise<Sent<string>> {
    const c = doc.content;
    const res = await send(channel, 'chat.postMessage', () =>
      client.chat.postMessage({
        channel: doc.channel,
        text: c.text,
        ...(c.blocks ? { blocks: c.blocks as never } : {}),
        ...(threadTs ? { thread_ts: threadTs } : {}),
        unfurl_links: false,
      }),
    );
    if (!('ok' in res)) return res;
    await setDoc(key, (cur) => ({ ...cur, ts: res.ok.ts!, postedChannel: res.ok.channel!, postedVersion: doc.version, ...extra }));
    await queues.paceFor(channel, intervalMs);
    return { ok: res.ok.ts! };
  }

  /** Handles the head entry: 0 when it is done (and popped), else milliseconds to wait first. */
  async function step(channel: string, e: Entry): Promise<number> {
    if (e.op !== 'post') await queues.claim(channel, e);
    const doc = await store.getJson<OutboxDoc>(docKey(e.key));
    const done = async () => {
      await queues.ack(channel, e);
      return 0;
    };
    if (!doc) return done();
    if (e.op === 'post') {
      if (doc.ts || doc.failed) return done();
      let threadTs = doc.threadTs;
      if (doc.threadKey) {
        const parent = await store.getJson<OutboxDoc>(docKey(doc.threadKey));
        if (!parent || parent.failed) return drop(channel, e, `thread parent ${doc.threadKey} ${parent ? 'failed' : 'does not exist'}`);
        if (!parent.ts) {
          // A parent in this channel was queued ahead of its reply, so it was already handled.
          if (parent.channel === doc.channel) return drop(channel, e, `thread parent ${doc.threadKey} was never posted`);
          return PARENT_WAIT_MS;
        }
        threadTs = parent.ts;
      }
      const wait = await slot(channel, 'chat.postMessage', true);
      if (wait > 0) return wait;
      const res = await postDoc(channel, e.key, doc, threadTs);
      if ('waitMs' in res) return res.waitMs;
      if ('error' in res) return drop(channel, e, `chat.postMessage: ${res.error}`);
      outboxStats.posts++;
      return done();
    }
    if (!doc.ts) return done(); // never posted (failed or dropped): nothing to edit or pin
    const where = doc.postedChannel ?? doc.channel;
    if (e.op === 'update') {
      if ((doc.postedVersion ?? 0) >= doc.version) return done();
      const wait = await slot(channel, 'chat.update', true);
      if (wait > 0) return wait;
      const c = doc.content;
      const res = await send(channel, 'chat.update', () =>
        client.chat.update({ channel: where, ts: doc.ts!, text: c.text, ...(c.blocks ? { blocks: c.blocks as never } : {}) }),
      );
      if ('waitMs' in res) return res.waitMs;
      if ('error' in res && res.error === 'message_not_found') return repost(channel, e, doc);
      if ('error' in res) return drop(channel, e, `chat.update: ${res.error}`);
      await setDoc(e.key, (cur) => ({ ...cur, postedVersion: Math.max(cur.postedVersion ?? 0, doc.version) }));
      await queues.paceFor(channel, intervalMs);
      outboxStats.updates++;
      return done();
    }
    if (doc.pinned) return done();
    const wait = await slot(channel, 'pins.add', false);
    if (wait > 0) return wait;
    const res = await send(channel, 'pins.add', () => client.pins.add({ channel: where, timestamp: doc.ts! }));
    if ('waitMs' in res) return res.waitMs;
    // message_not_found: deleted before the pin; the next edit re-posts it and queues a new pin.
    if ('error' in res && res.error !== 'already_pinned') return drop(channel, e, `pins.add: ${res.error}`);
    await setDoc(e.key, (cur) => ({ ...cur, pinned: true }));
    outboxStats.pins++;
    return done();
  }

  /**
   * Someone deleted the message (often a pinned summary): post the latest content again under the
   * same key, so its buttons come back, and pin it again if it was meant to be pinned.
   */
  async function repost(channel: string, e: Entry, doc: OutboxDoc): Promise<number> {
    let threadTs = doc.threadTs;
    if (doc.threadKey) threadTs = (await store.getJson<OutboxDoc>(docKey(doc.threadKey)))?.ts ?? threadTs;
    const res = await postDoc(channel, e.key, doc, threadTs, { pinned: false });
    if ('waitMs' in res) return res.waitMs;
    if ('error' in res) return drop(channel, e, `re-post after message_not_found: ${res.error}`);
    log.info({ key: e.key, channel, ts: res.ok }, 'message was deleted; re-posted its latest version');
    outboxStats.reposts++;
    await queues.ack(channel, e);
    if (doc.pinRequested) await pushAndArm(queues, deps.jobs, channel, { op: 'pin', key: e.key }, { mode: 'dedupe' });
    return 0;
  }

  async function drop(channel: string, e: Entry, reason: string): Promise<number> {
    log.error({ key: e.key, channel, op: e.op, reason }, 'outbox entry dropped');
    if (e.op === 'post')
      await store.update<OutboxDoc>(docKey(e.key), (cur) => (cur ? { ...cur, failed: reason.slice(0, 200) } : null), { ttlMs: DOC_TTL_MS });
    await queues.ack(channel, e);
    return 0;
  }

  async function drain(channel: string, epoch: string, lease: string, token: string): Promise<'idle' | 'stale' | number> {
    for (let n = 0; n < BATCH; n++) {
      // Lost the lease (this process stalled past it): another drainer owns the channel now.
      if (!(await store.extend(lease, LEASE_MS, token))) return 'stale';
      const head = await queues.head(channel);
      if (head === 'corrupt') {
        await queues.dropHead(channel);
        continue;
      }
      if (!head) {
        const state = await queues.idle(channel, epoch);
        if (state === 'more') continue;
        return state;
      }
      const wait = await step(channel, head);
      if (wait > 0) return wait;
    }
    return 0;
  }

  return {
    name: OUTBOX_JOB,
    attempts: 25,
    backoffMs: 1000,
    concurrency: 20,
    async process(data, ctx: JobContext) {
      outboxStats.wakeups++;
      const legacy = data as { op?: Entry['op']; key?: string };
      if (legacy.op && legacy.key) return migrate(legacy.op, legacy.key);
      const { channel, epoch } = data as { channel: string; epoch: string };
      if (!(await queues.touch(channel, epoch))) return 'stale';
      const token = randomUUID();
      const lease = queues.leaseKey(channel);
      if (!(await store.claim(lease, LEASE_MS, token))) return ctx.defer(1000);
      let outcome: 'idle' | 'stale' | number;
      try {
        outcome = await drain(channel, epoch, lease, token);
      } finally {
        await store.release(lease, token);
      }
      if (typeof outcome !== 'number') return outcome;
      await queues.touch(channel, epoch, outcome);
      return ctx.defer(outcome);
    },
  };

  /** A `slack.deliver` job queued by the previous outbox (one job per message): queue its entry. */
  async function migrate(op: Entry['op'], key: string): Promise<string> {
    const doc = await store.getJson<OutboxDoc>(docKey(key));
    if (!doc) return 'gone';
    await pushAndArm(queues, deps.jobs, doc.channel, { op, key }, op === 'post' ? { mode: 'plain' } : { mode: 'dedupe' });
    return 'migrated';
  }
}
