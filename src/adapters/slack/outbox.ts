import { randomUUID } from 'node:crypto';
import type { WebClient } from '@slack/web-api';
import type { MessageContent } from '../../core/blocks.js';
import { PermanentJobError } from '../../core/errors.js';
import type { JobContext, JobProcessor, JobQueue } from '../../core/ports/jobs.js';
import type { Logger } from '../../core/ports/runtime.js';
import type { Store } from '../../core/ports/store.js';
import type { Metrics } from '../metrics.js';
import { classify, isPermanent } from './web-errors.js';

/**
 * The one outbound path for channel messages. A post is first written to Redis (so a restart
 * loses nothing), then delivered by a job that keeps Slack's pace: at most one message per
 * channel per interval, waiting out 429 Retry-After without spending a retry. Updates to a
 * message bump its version; a delivery job for an older version does nothing, so bursts of
 * updates coalesce to the latest state.
 */
export const OUTBOX_JOB = 'slack.deliver';

export interface OutboxDoc {
  channel: string;
  threadKey?: string;
  threadTs?: string;
  content: MessageContent;
  version: number;
  postedVersion?: number;
  ts?: string;
  /** Channel Slack answered with (a DM posted to a user id lands in a D... channel). */
  postedChannel?: string;
  pinned?: boolean;
  pinRequested?: boolean;
}

type Op = 'post' | 'update' | 'pin';

const DOC_TTL_MS = 30 * 24 * 3600_000;

export function jobIdFor(op: Op, key: string, version = 0): string {
  return `${op}-${key}-${version}`.replace(/[:\s]/g, '_');
}

export class Outbox {
  constructor(
    private readonly store: Store,
    private readonly jobs: JobQueue,
  ) {}

  docKey(key: string): string {
    return this.store.key('msg', key);
  }

  async post(msg: { channel: string; key?: string; threadKey?: string; threadTs?: string } & MessageContent): Promise<void> {
    const key = msg.key ?? `anon-${randomUUID()}`;
    const doc: OutboxDoc = {
      channel: msg.channel,
      content: { text: msg.text, ...(msg.blocks ? { blocks: msg.blocks } : {}) },
      version: 1,
      ...(msg.threadKey ? { threadKey: msg.threadKey } : {}),
      ...(msg.threadTs ? { threadTs: msg.threadTs } : {}),
    };
    const created = await this.store.setJson(this.docKey(key), doc, { onlyIfAbsent: true, ttlMs: DOC_TTL_MS });
    // Enqueue even when the doc existed: the job id makes it idempotent, and a crash between the
    // write and the enqueue would otherwise strand the message.
    await this.jobs.enqueue(OUTBOX_JOB, { op: 'post', key }, { id: jobIdFor('post', key) });
    void created;
  }

  async update(key: string, content: MessageContent): Promise<void> {
    const doc = await this.store.update<OutboxDoc>(this.docKey(key), (cur) => (cur ? { ...cur, content, version: cur.version + 1 } : null), { ttlMs: DOC_TTL_MS });
    if (!doc) throw new Error(`no message with key ${key}`);
    if (doc.ts) await this.jobs.enqueue(OUTBOX_JOB, { op: 'update', key, version: doc.version }, { id: jobIdFor('update', key, doc.version) });
    // Not yet posted: the pending post delivers the latest content.
  }

  async pin(key: string): Promise<void> {
    await this.store.update<OutboxDoc>(this.docKey(key), (cur) => (cur ? { ...cur, pinRequested: true } : null));
    await this.jobs.enqueue(OUTBOX_JOB, { op: 'pin', key }, { id: jobIdFor('pin', key) });
  }

  async ref(key: string): Promise<{ channel: string; ts: string } | null> {
    const doc = await this.store.getJson<OutboxDoc>(this.docKey(key));
    return doc?.ts ? { channel: doc.postedChannel ?? doc.channel, ts: doc.ts } : null;
  }
}

export function outboxProcessor(deps: { store: Store; jobs: JobQueue; client: WebClient; intervalMs: number; metrics: Metrics; log: Logger }): JobProcessor {
  const { store, client, metrics, log } = deps;
  const docKey = (key: string) => store.key('msg', key);

  /** Per-channel pacing slot shared by every worker process. */
  async function pace(channel: string, ctx: JobContext, method: string): Promise<void> {
    if (deps.intervalMs <= 0) return;
    if (await store.claim(store.key('pace', channel), deps.intervalMs)) return;
    metrics.rateLimitWaits.inc({ method, reason: 'channel_pace' });
    await ctx.defer(Math.ceil(deps.intervalMs / 2) + Math.floor(Math.random() * 50));
  }

  async function call<T>(method: string, ctx: JobContext, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      const f = classify(err);
      metrics.slackApiErrors.inc({ method, error: f.error });
      if (f.kind === 'rate_limited') {
        metrics.rateLimitWaits.inc({ method, reason: 'retry_after' });
        metrics.rateLimitWaitSeconds.inc({ method }, (f.retryAfterMs ?? 1000) / 1000);
        log.warn({ method, retryAfterMs: f.retryAfterMs }, 'Slack rate limited; waiting');
        await ctx.defer(f.retryAfterMs ?? 1000);
      }
      if (isPermanent(f)) throw new PermanentJobError(`${method}: ${f.error}`);
      throw new Error(`${method}: ${f.error}`);
    }
  }

  return {
    name: OUTBOX_JOB,
    attempts: 25,
    backoffMs: 1000,
    concurrency: 20,
    async process(data, ctx) {
      const { op, key } = data as { op: Op; key: string; version?: number };
      const doc = await store.getJson<OutboxDoc>(docKey(key));
      if (!doc) return 'gone';
      if (op === 'post') {
        if (doc.ts) return 'already-posted';
        let threadTs = doc.threadTs;
        if (doc.threadKey) {
          const parent = await store.getJson<OutboxDoc>(docKey(doc.threadKey));
          if (!parent) throw new PermanentJobError(`thread parent ${doc.threadKey} does not exist`);
          if (!parent.ts) await ctx.defer(300);
          threadTs = parent.ts;
        }
        await pace(doc.channel, ctx, 'chat.postMessage');
        const content = doc.content;
        const res = await call('chat.postMessage', ctx, () =>
          client.chat.postMessage({ channel: doc.channel, text: content.text, ...(content.blocks ? { blocks: content.blocks as never } : {}), ...(threadTs ? { thread_ts: threadTs } : {}), unfurl_links: false }),
        );
        const after = await store.update<OutboxDoc>(docKey(key), (cur) => (cur ? { ...cur, ts: res.ts!, postedChannel: res.channel!, postedVersion: doc.version } : null));
        if (after && after.version > doc.version) {
          await deps.jobs.enqueue(OUTBOX_JOB, { op: 'update', key, version: after.version }, { id: jobIdFor('update', key, after.version) });
        }
        if (after?.pinRequested && !after.pinned) await deps.jobs.enqueue(OUTBOX_JOB, { op: 'pin', key }, { id: jobIdFor('pin', key, 1) });
        return res.ts;
      }
      if (!doc.ts) {
        if (op === 'pin') await ctx.defer(500);
        return 'not-posted-yet';
      }
      const channel = doc.postedChannel ?? doc.channel;
      if (op === 'update') {
        const version = Number((data as { version?: number }).version ?? 0);
        if (version < doc.version || (doc.postedVersion ?? 0) >= doc.version) return 'superseded';
        await pace(channel, ctx, 'chat.update');
        const fresh = (await store.getJson<OutboxDoc>(docKey(key))) ?? doc;
        await call('chat.update', ctx, () => client.chat.update({ channel, ts: doc.ts!, text: fresh.content.text, ...(fresh.content.blocks ? { blocks: fresh.content.blocks as never } : {}) }));
        await store.update<OutboxDoc>(docKey(key), (cur) => (cur ? { ...cur, postedVersion: Math.max(cur.postedVersion ?? 0, fresh.version) } : null));
        return 'updated';
      }
      if (doc.pinned) return 'already-pinned';
      try {
        await call('pins.add', ctx, () => client.pins.add({ channel, timestamp: doc.ts! }));
      } catch (err) {
        if (!String((err as Error).message).includes('already_pinned')) throw err;
      }
      await store.update<OutboxDoc>(docKey(key), (cur) => (cur ? { ...cur, pinned: true } : null));
      return 'pinned';
    },
  };
}
