import type { MessageContent } from '../../core/blocks.js';
import type { JobQueue } from '../../core/ports/jobs.js';
import type { Store } from '../../core/ports/store.js';
import { RedisStore, type Script } from '../redis/store.js';

/** One job name for every channel's drain job (the name of the old one-job-per-message outbox). */
export const OUTBOX_JOB = 'slack.deliver';

/** A keyed message: its latest content and what Slack knows of it. */
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
  /** Slack refused the post for good (e.g. channel_not_found); its edits and replies are dropped. */
  failed?: string;
}

export const DOC_TTL_MS = 30 * 24 * 3600_000;

/**
 * The outbox's per-channel FIFO in Redis. Each channel has:
 *  - `outbox:q:<ch>`    a list of entries (`post|key`, `update|key`, `pin|key`), oldest first;
 *  - `outbox:pend:<ch>` the update/pin entries waiting in the list, so a burst of edits to one
 *                       message stays one entry (coalescing) until the drainer claims it;
 *  - `outbox:arm:<ch>`  the epoch of the one drain job that owns the channel while it has work.
 *                       It expires unless that job keeps touching it, so a drain job lost for good
 *                       (failed after repeated crashes) is replaced by the next post's new epoch;
 *                       a job that merely waited long (no worker running) adopts its expired arm.
 * Appending and arming happen in one script, and so do "the list is empty" and disarming, so a
 * post can never land between a drainer's last look and its exit without a drain job to carry it.
 */
export type Op = 'post' | 'update' | 'pin';

export interface Entry {
  op: Op;
  key: string;
}

/** How push() treats the entry: a post creates its document (NX) and is queued only then. */
export type PushMode = { mode: 'post'; docKey: string; docJson: string; ttlMs: number } | { mode: 'dedupe' } | { mode: 'plain' };

// KEYS: q, pend, arm, epoch counter, doc. ARGV: entry, mode, doc json, doc ttl ms, arm ttl ms.
const PUSH_LUA = `
local pushed = 0
if ARGV[2] == 'post' then
  if redis.call('SET', KEYS[5], ARGV[3], 'NX', 'PX', tonumber(ARGV[4])) then
    redis.call('RPUSH', KEYS[1], ARGV[1])
    pushed = 1
  end
elseif ARGV[2] == 'plain' or redis.call('SADD', KEYS[2], ARGV[1]) == 1 then
  redis.call('RPUSH', KEYS[1], ARGV[1])
  pushed = 1
end
local arm = redis.call('GET', KEYS[3])
if not arm then
  arm = tostring(redis.call('INCR', KEYS[4]))
  redis.call('SET', KEYS[3], arm, 'PX', tonumber(ARGV[5]))
end
return {pushed, arm}`;

// KEYS: q, tries. ARGV: entry. Only the drainer pops, so the head is the entry it just handled.
const ACK_LUA = `
if redis.call('LINDEX', KEYS[1], 0) == ARGV[1] then redis.call('LPOP', KEYS[1]) end
redis.call('DEL', KEYS[2])
return 1`;

// KEYS: q, arm. ARGV: epoch. Disarms only an empty queue still owned by this epoch.
const IDLE_LUA = `
if redis.call('GET', KEYS[2]) ~= ARGV[1] then return 'stale' end
if redis.call('LLEN', KEYS[1]) > 0 then return 'more' end
redis.call('DEL', KEYS[2])
return 'idle'`;

// KEYS: arm. ARGV: epoch, ttl ms. Keeps the arm alive while its job works; 0 when superseded.
// An expired arm is adopted: the job waited longer than ARM_TTL_MS (workers were down) and is
// still the only one that knows of the channel's entries.
const TOUCH_LUA = `
local cur = redis.call('GET', KEYS[1])
if not cur then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', tonumber(ARGV[2]))
  return 1
end
if cur ~= ARGV[1] then return 0 end
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]))
return 1`;

// KEYS: two timers (pace, hold). Milliseconds until both have expired.
const WAIT_LUA = `
local a = redis.call('PTTL', KEYS[1])
local b = redis.call('PTTL', KEYS[2])
if a < 0 then a = 0 end
if b < 0 then b = 0 end
return math.max(a, b)`;

/** How long an armed channel waits for its drain job to show signs of life before re-arming. */
export const ARM_TTL_MS = 120_000;

export function encodeEntry(e: Entry): string {
  return `${e.op}|${e.key}`;
}

export function decodeEntry(raw: string): Entry | null {
  const bar = raw.indexOf('|');
  const op = raw.slice(0, bar);
  if (bar < 0 || (op !== 'post' && op !== 'update' && op !== 'pin')) return null;
  return { op, key: raw.slice(bar + 1) };
}

/** BullMQ job id of a channel's drain job for one epoch (no ':' allowed). */
export function drainJobId(channel: string, epoch: string): string {
  return `drain-${channel.replace(/[^A-Za-z0-9_-]/g, '_')}-${epoch}`;
}

export class ChannelQueues {
  private readonly pushScript: Script<[number, string]>;
  private readonly ackScript: Script<number>;
  private readonly idleScript: Script<string>;
  private readonly waitScript: Script<number>;
  private readonly touchScript: Script<number>;

  constructor(readonly store: Store) {
    // The queue is Lua over Redis; the Store port has no scripts, so the Redis store is required.
    if (!(store instanceof RedisStore)) throw new TypeError('The Slack outbox needs the Redis store');
    this.pushScript = store.script('switchyardOutboxPush', 5, PUSH_LUA);
    this.ackScript = store.script('switchyardOutboxAck', 2, ACK_LUA);
    this.idleScript = store.script('switchyardOutboxIdle', 2, IDLE_LUA);
    this.waitScript = store.script('switchyardOutboxWait', 2, WAIT_LUA);
    this.touchScript = store.script('switchyardOutboxTouch', 1, TOUCH_LUA);
  }

  private k(kind: string, channel: string, ...rest: string[]): string {
    return this.store.key('outbox', kind, channel, ...rest);
  }

  /** Appends (or, for a post whose document exists, only re-arms); returns the owning epoch. */
  async push(channel: string, entry: Entry, how: PushMode): Promise<{ pushed: boolean; epoch: string }> {
    const docKey = how.mode === 'post' ? how.docKey : this.k('none', channel);
    const [pushed, epoch] = await this.pushScript(
      [this.k('q', channel), this.k('pend', channel), this.k('arm', channel), this.store.key('outbox', 'epoch'), docKey],
      [encodeEntry(entry), how.mode, how.mode === 'post' ? how.docJson : '', how.mode === 'post' ? how.ttlMs : 0, ARM_TTL_MS],
    );
    return { pushed: pushed === 1, epoch: String(epoch) };
  }

  async head(channel: string): Promise<Entry | null | 'corrupt'> {
    const [raw] = await this.store.listRange(this.k('q', channel), 0, 0);
    if (raw === undefined) return null;
    return decodeEntry(raw) ?? 'corrupt';
  }

  /** Drops a head entry that cannot be decoded (written by a newer or broken version). */
  async dropHead(channel: string): Promise<void> {
    const [raw] = await this.store.listRange(this.k('q', channel), 0, 0);
    if (raw !== undefined) await this.ackScript([this.k('q', channel), this.k('tries', channel)], [raw]);
  }

  /**
   * Before reading the document for an update or pin: from here on a new edit queues a new entry
   * instead of being absorbed into this one, so nothing sent after our read is lost.
   */
  async claim(channel: string, entry: Entry): Promise<void> {
    await this.store.setRemove(this.k('pend', channel), encodeEntry(entry));
  }

  async ack(channel: string, entry: Entry): Promise<void> {
    await this.ackScript([this.k('q', channel), this.k('tries', channel)], [encodeEntry(entry)]);
  }

  /** Failed tries of the head entry (transport errors), reset by ack. */
  tries(channel: string): Promise<number> {
    return this.store.incr(this.k('tries', channel));
  }

  idle(channel: string, epoch: string): Promise<'idle' | 'more' | 'stale'> {
    return this.idleScript([this.k('q', channel), this.k('arm', channel)], [epoch]) as Promise<'idle' | 'more' | 'stale'>;
  }

  /** Extends the arm of `epoch` by ARM_TTL_MS + `waitMs`; false when another epoch owns the channel. */
  async touch(channel: string, epoch: string, waitMs = 0): Promise<boolean> {
    return (await this.touchScript([this.k('arm', channel)], [epoch, ARM_TTL_MS + Math.ceil(waitMs)])) === 1;
  }

  /** Milliseconds until `method` may be called for `channel` (channel pace and 429 holds). */
  waitMs(channel: string, method: string, paced: boolean): Promise<number> {
    const hold = this.k('hold', channel, method);
    return this.waitScript([paced ? this.k('pace', channel) : hold, hold], []);
  }

  /** The channel's next slot opens `ms` from now (after a delivered post or edit). */
  async paceFor(channel: string, ms: number): Promise<void> {
    if (ms > 0) await this.store.setJson(this.k('pace', channel), 1, { ttlMs: ms });
  }

  /** Slack said 429 for `method` in `channel`: hold that pair for Retry-After. */
  async hold(channel: string, method: string, ms: number): Promise<void> {
    await this.store.setJson(this.k('hold', channel, method), 1, { ttlMs: Math.max(1, Math.ceil(ms)) });
  }

  leaseKey(channel: string): string {
    return this.k('lease', channel);
  }
}

/** Appends and makes sure the channel's drain job for the current epoch exists (idempotent by id). */
export async function pushAndArm(queues: ChannelQueues, jobs: JobQueue, channel: string, entry: Entry, how: PushMode): Promise<void> {
  const { epoch } = await queues.push(channel, entry, how);
  await jobs.enqueue(OUTBOX_JOB, { channel, epoch }, { id: drainJobId(channel, epoch) });
}
