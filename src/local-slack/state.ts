import { randomBytes } from 'node:crypto';
import { ApiError } from './types.js';
import type { ApiCall, Block, Bookmark, Channel, Ephemeral, Message, SeedUsergroup, User, View, WorkspaceSeed } from './types.js';

export interface WorkspaceOptions {
  seed: WorkspaceSeed;
  botUserId: string;
  botId: string;
  botName: string;
  appId: string;
  now: () => number;
  emit: (event: string, payload: unknown) => void;
}

export interface Trigger {
  user: string;
  at: number;
  used: boolean;
}
export interface ResponseTarget {
  channel: string;
  user: string;
  /** Message (or ephemeral) the action came from: replace_original / delete_original act on it. */
  sourceTs?: string;
  sourceEphemeral?: boolean;
  threadTs?: string;
  at: number;
  uses: number;
}

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
export function randomId(prefix: string, len = 10): string {
  const bytes = randomBytes(len);
  let s = prefix;
  for (const b of bytes) s += ALNUM[b % ALNUM.length];
  return s;
}

/** All state of the fake workspace. API handlers and the driver work on it. */
export class Workspace {
  readonly team: { id: string; name: string; domain: string };
  readonly users = new Map<string, User>();
  readonly usergroups = new Map<string, SeedUsergroup>();
  readonly channels = new Map<string, Channel>();
  readonly messages = new Map<string, Message[]>();
  readonly ephemerals: Ephemeral[] = [];
  readonly views = new Map<string, View>();
  readonly homes = new Map<string, string>();
  readonly pins = new Map<string, string[]>();
  readonly bookmarks = new Map<string, Bookmark[]>();
  readonly triggers = new Map<string, Trigger>();
  readonly responseUrls = new Map<string, ResponseTarget>();
  readonly calls: ApiCall[] = [];
  /** Guest accounts: a single-channel guest (Slack's is_ultra_restricted) or a multi-channel one. */
  readonly guests = new Map<string, 'single_channel' | 'multi_channel'>();
  /** Injected per-user conversations.invite refusals (e.g. cant_invite, user_is_restricted). */
  readonly inviteRefusals = new Map<string, string>();
  private lastMicros = 0;

  constructor(readonly o: WorkspaceOptions) {
    const { seed } = o;
    this.team = {
      ...seed.team,
      domain: seed.team.name
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, '-')
        .replace(/^-|-$/g, ''),
    };
    const mkUser = (id: string, name: string, real: string, email: string | undefined, tz: string, title: string, bot: boolean): User => ({
      id,
      team_id: this.team.id,
      name,
      real_name: real,
      tz,
      is_bot: bot,
      deleted: false,
      profile: { ...(email ? { email } : {}), real_name: real, display_name: name, title },
    });
    for (const u of seed.users)
      this.users.set(u.id, mkUser(u.id, u.name, u.real_name, u.email, u.tz ?? 'UTC', u.title ?? '', u.is_bot ?? false));
    if (!this.users.has(o.botUserId)) this.users.set(o.botUserId, mkUser(o.botUserId, o.botName, o.botName, undefined, 'UTC', '', true));
    for (const g of seed.usergroups) this.usergroups.set(g.id, { ...g, users: [...g.users] });
    const created = Math.floor(o.now() / 1000);
    for (const c of seed.channels) {
      const members = [...c.members];
      if (c.bot_member ?? true) members.push(o.botUserId);
      this.channels.set(c.id, {
        id: c.id,
        name: c.name,
        is_channel: true,
        is_group: false,
        is_im: false,
        is_private: c.is_private ?? false,
        is_archived: false,
        created,
        creator: c.members[0] ?? o.botUserId,
        members,
        topic: { value: c.topic ?? '', creator: '', last_set: 0 },
        purpose: { value: c.purpose ?? '', creator: '', last_set: 0 },
      });
    }
  }

  now(): number {
    return this.o.now();
  }

  /** Slack-like message timestamp "<unix seconds>.<6 digits>", strictly increasing. */
  nextTs(): string {
    const micros = Math.max(Math.floor(this.o.now() * 1000), this.lastMicros + 1);
    this.lastMicros = micros;
    return `${Math.floor(micros / 1e6)}.${String(micros % 1e6).padStart(6, '0')}`;
  }

  user(id: string): User | undefined {
    return this.users.get(id);
  }

  /** By id, "#name" or "name". */
  channel(idOrName: string): Channel | undefined {
    const direct = this.channels.get(idOrName);
    if (direct) return direct;
    const name = idOrName.replace(/^#/, '');
    for (const c of this.channels.values()) if (!c.is_im && c.name === name) return c;
    return undefined;
  }

  /** A user as Slack's users.* methods show it, guest flags included. */
  wireUser(u: User): User & { is_restricted: boolean; is_ultra_restricted: boolean } {
    const guest = this.guests.get(u.id);
    return { ...u, is_restricted: guest !== undefined, is_ultra_restricted: guest === 'single_channel' };
  }

  /**
   * Why Slack would refuse to invite `user` into `channel`, if it would: the bot itself, an
   * unknown or deactivated user, a single-channel guest already in their one channel, or a
   * refusal a test injected. `already_in_channel` is reported too (not fatal to callers).
   */
  inviteRefusal(channel: Channel, user: string): string | undefined {
    if (user === this.o.botUserId) return 'cant_invite_self';
    const u = this.users.get(user);
    if (!u || u.deleted) return 'user_not_found';
    const injected = this.inviteRefusals.get(user);
    if (injected) return injected;
    if (this.isMember(channel, user)) return 'already_in_channel';
    if (this.guests.get(user) === 'single_channel') {
      for (const c of this.channels.values()) if (!c.is_im && c !== channel && c.members.includes(user)) return 'ura_max_channels';
    }
    return undefined;
  }

  isMember(channel: Channel, user: string): boolean {
    return channel.members.includes(user);
  }

  /** Channel the bot may see: public ones, and private ones/DMs it is in. Else channel_not_found. */
  visibleChannel(id: unknown): Channel {
    const ch = typeof id === 'string' ? this.channels.get(id) : undefined;
    if (!ch || ((ch.is_private || ch.is_im) && !this.isMember(ch, this.o.botUserId))) throw new ApiError('channel_not_found');
    return ch;
  }

  /** The DM between the bot and a user, created on first use. */
  imFor(userId: string): Channel {
    for (const c of this.channels.values()) if (c.is_im && c.user === userId) return c;
    if (!this.users.has(userId)) throw new ApiError('user_not_found');
    const id = randomId('D');
    const ch: Channel = {
      id,
      name: id,
      is_channel: false,
      is_group: false,
      is_im: true,
      is_private: true,
      is_archived: false,
      created: Math.floor(this.now() / 1000),
      creator: this.o.botUserId,
      user: userId,
      members: [userId, this.o.botUserId],
      topic: { value: '', creator: '', last_set: 0 },
      purpose: { value: '', creator: '', last_set: 0 },
    };
    this.channels.set(id, ch);
    return ch;
  }

  allMessages(channel: string): Message[] {
    let list = this.messages.get(channel);
    if (!list) this.messages.set(channel, (list = []));
    return list;
  }

  findMessage(channel: string, ts: string): Message | undefined {
    return this.messages.get(channel)?.find((m) => m.ts === ts && !m.deleted);
  }

  /** Store a message (threads resolved to their root, parent counters kept) and emit 'message'. */
  addMessage(m: {
    channel: string;
    user: string;
    text: string;
    blocks?: Block[];
    thread_ts?: string;
    bot?: boolean;
    attachments?: unknown[];
    metadata?: unknown;
  }): Message {
    let threadTs: string | undefined;
    if (m.thread_ts) {
      const parent = this.findMessage(m.channel, m.thread_ts);
      if (!parent) throw new ApiError('thread_not_found');
      threadTs = parent.thread_ts ?? parent.ts;
      const root = this.findMessage(m.channel, threadTs) ?? parent;
      root.thread_ts = root.ts;
    }
    const msg: Message = {
      type: 'message',
      channel: m.channel,
      ts: this.nextTs(),
      user: m.user,
      text: m.text,
      ...(threadTs ? { thread_ts: threadTs } : {}),
      ...(m.blocks ? { blocks: withIds(m.blocks) } : {}),
      ...(m.attachments ? { attachments: m.attachments } : {}),
      ...(m.metadata ? { metadata: m.metadata } : {}),
      ...(m.bot ? { bot_id: this.o.botId, app_id: this.o.appId } : {}),
    };
    this.allMessages(m.channel).push(msg);
    if (threadTs) {
      const root = this.findMessage(m.channel, threadTs);
      if (root) {
        root.reply_count = (root.reply_count ?? 0) + 1;
        root.reply_users = [...new Set([...(root.reply_users ?? []), m.user])];
        root.latest_reply = msg.ts;
      }
    }
    this.o.emit('message', msg);
    return msg;
  }

  updateMessage(msg: Message, patch: { text?: string; blocks?: Block[]; attachments?: unknown[] }): Message {
    if (patch.text !== undefined) msg.text = patch.text;
    if (patch.blocks !== undefined) {
      if (patch.blocks.length) msg.blocks = withIds(patch.blocks);
      else delete msg.blocks;
    }
    if (patch.attachments !== undefined) msg.attachments = patch.attachments;
    msg.edited = true;
    msg.edited_ts = this.nextTs();
    this.o.emit('update', msg);
    return msg;
  }

  addEphemeral(e: Omit<Ephemeral, 'ts'>): Ephemeral {
    const eph: Ephemeral = { ...e, ts: this.nextTs(), ...(e.blocks ? { blocks: withIds(e.blocks) } : {}) };
    this.ephemerals.push(eph);
    this.o.emit('ephemeral', eph);
    return eph;
  }

  issueTrigger(user: string): string {
    const id = `${Math.floor(this.now())}.${Math.floor(Math.random() * 1e12)}.${randomBytes(16).toString('hex')}`;
    this.triggers.set(id, { user, at: this.now(), used: false });
    return id;
  }

  /** Spend a trigger_id (views.open / views.push): unknown, expired after 3 s, or already exchanged. */
  useTrigger(id: unknown): Trigger {
    const t = typeof id === 'string' ? this.triggers.get(id) : undefined;
    if (!t) throw new ApiError('invalid_trigger_id');
    if (this.now() - t.at > 3000) throw new ApiError('expired_trigger_id');
    if (t.used) throw new ApiError('exchanged_trigger_id');
    t.used = true;
    return t;
  }

  issueResponseUrl(baseUrl: string, target: Omit<ResponseTarget, 'at' | 'uses'>): string {
    const id = randomBytes(12).toString('hex');
    this.responseUrls.set(id, { ...target, at: this.now(), uses: 0 });
    return `${baseUrl}response/${id}`;
  }

  permalink(channel: string, ts: string): string {
    return `https://${this.team.domain}.slack.com/archives/${channel}/p${ts.replace('.', '')}`;
  }
}

/** Slack gives every block a block_id and every interactive element an action_id when the app did not. */
export function withIds(blocks: Block[]): Block[] {
  return blocks.map((b) => {
    const block: Block = { ...b };
    if (typeof block.block_id !== 'string') block.block_id = randomId('', 5);
    const fixEl = (el: unknown): unknown => {
      if (!el || typeof el !== 'object') return el;
      const e = { ...(el as Record<string, unknown>) };
      const interactive = !['image', 'plain_text', 'mrkdwn'].includes(String(e.type));
      if (interactive && typeof e.action_id !== 'string') e.action_id = randomId('', 5);
      return e;
    };
    if (Array.isArray(block.elements) && block.type === 'actions') block.elements = block.elements.map(fixEl);
    if (block.accessory) block.accessory = fixEl(block.accessory);
    if (block.type === 'input' && block.element) block.element = fixEl(block.element);
    return block;
  });
}
