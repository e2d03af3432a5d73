import { randomUUID } from 'node:crypto';
import type { MessageContent } from '../../core/blocks.js';
import type { JobQueue } from '../../core/ports/jobs.js';
import type { Store } from '../../core/ports/store.js';
import { ChannelQueues, DOC_TTL_MS, pushAndArm, type Entry, type OutboxDoc, type PushMode } from './outbox-queue.js';

export { OUTBOX_JOB, type OutboxDoc } from './outbox-queue.js';
export { outboxProcessor, outboxStats } from './outbox-drain.js';

/**
 * The one outbound path for channel messages. A post writes its document and appends an entry to
 * its channel's FIFO in Redis in one step (so a restart loses nothing), and arms that channel's
 * single drain job. The drain job (outbox-drain.ts) delivers the channel's entries head first,
 * one per pace interval, and sleeps as a BullMQ delayed job until exactly the next free slot.
 * Updates bump the document's version and queue one coalesced `update` entry per message, so a
 * burst of edits sends the latest state once; a pin is one entry per message.
 */
export class Outbox {
  private readonly queues: ChannelQueues;

  constructor(
    private readonly store: Store,
    private readonly jobs: JobQueue,
  ) {
    this.queues = new ChannelQueues(store);
  }

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
    // A second post with the same key queues nothing but still (re-)arms the drain job: a crash
    // between the append and the enqueue below would otherwise strand the message.
    await this.push(
      msg.channel,
      { op: 'post', key },
      { mode: 'post', docKey: this.docKey(key), docJson: JSON.stringify(doc), ttlMs: DOC_TTL_MS },
    );
  }

  async update(key: string, content: MessageContent): Promise<void> {
    const doc = await this.store.update<OutboxDoc>(
      this.docKey(key),
      (cur) => (cur ? { ...cur, content, version: cur.version + 1 } : null),
      { ttlMs: DOC_TTL_MS },
    );
    if (!doc) throw new Error(`no message with key ${key}`);
    // Queued even before the post went out: it sits behind the post in the FIFO, and is skipped
    // there when the post already carried this version.
    await this.push(doc.channel, { op: 'update', key }, { mode: 'dedupe' });
  }

  async pin(key: string): Promise<void> {
    const doc = await this.store.update<OutboxDoc>(this.docKey(key), (cur) => (cur ? { ...cur, pinRequested: true } : null));
    if (!doc || doc.pinned) return;
    await this.push(doc.channel, { op: 'pin', key }, { mode: 'dedupe' });
  }

  async ref(key: string): Promise<{ channel: string; ts: string } | null> {
    const doc = await this.store.getJson<OutboxDoc>(this.docKey(key));
    return doc?.ts ? { channel: doc.postedChannel ?? doc.channel, ts: doc.ts } : null;
  }

  private async push(channel: string, entry: Entry, how: PushMode): Promise<void> {
    await pushAndArm(this.queues, this.jobs, channel, entry, how);
  }
}
