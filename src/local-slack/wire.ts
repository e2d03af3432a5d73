// Argument helpers and the conversions from stored state to the objects Slack puts on the wire.
import { ApiError } from './types.js';
import type { Channel, Message, View } from './types.js';

export type Args = Record<string, unknown>;

export function str(args: Args, key: string): string | undefined {
  const v = args[key];
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}

/** A required string argument; missing -> `code`. */
export function need(args: Args, key: string, code = 'invalid_arguments'): string {
  const v = str(args, key);
  if (v === undefined || v === '') throw new ApiError(code, [`[ERROR] missing required field: ${key}`]);
  return v;
}

export function bool(args: Args, key: string): boolean | undefined {
  const v = args[key];
  if (v === undefined || v === null || v === '') return undefined;
  return v === true || v === 'true' || v === '1' || v === 1;
}

export function int(args: Args, key: string, dflt: number): number {
  const v = Number(args[key]);
  return Number.isFinite(v) && v > 0 ? Math.floor(v) : dflt;
}

export function json(args: Args, key: string): unknown {
  const v = args[key];
  if (typeof v !== 'string') return v;
  try {
    return JSON.parse(v);
  } catch {
    throw new ApiError('invalid_arguments', [`[ERROR] ${key} is not valid JSON`]);
  }
}

export function list(args: Args, key: string): string[] {
  const v = args[key];
  if (Array.isArray(v)) return v.map(String);
  return (str(args, key) ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** Cursor pagination over an array: cursor is an opaque base64 offset. */
export function page<T>(items: T[], args: Args, dfltLimit = 100): { items: T[]; next_cursor: string } {
  const cursor = str(args, 'cursor');
  let offset = 0;
  if (cursor) {
    const m = /^offset:(\d+)$/.exec(Buffer.from(cursor, 'base64').toString());
    if (!m) throw new ApiError('invalid_cursor');
    offset = Number(m[1]);
  }
  const limit = Math.min(int(args, 'limit', dfltLimit), 1000);
  const slice = items.slice(offset, offset + limit);
  const next = offset + limit < items.length ? Buffer.from(`offset:${offset + limit}`).toString('base64') : '';
  return { items: slice, next_cursor: next };
}

export function wireMessage(m: Message): Record<string, unknown> {
  const out: Record<string, unknown> = { type: 'message', ts: m.ts, user: m.user, text: m.text };
  if (m.bot_id) Object.assign(out, { bot_id: m.bot_id, app_id: m.app_id });
  if (m.thread_ts) out.thread_ts = m.thread_ts;
  if (m.blocks) out.blocks = m.blocks;
  if (m.attachments) out.attachments = m.attachments;
  if (m.metadata) out.metadata = m.metadata;
  if (m.edited) out.edited = { user: m.user, ts: m.edited_ts ?? m.ts };
  if (m.reply_count) Object.assign(out, { reply_count: m.reply_count, reply_users: m.reply_users, latest_reply: m.latest_reply });
  if (m.reactions?.length) out.reactions = m.reactions;
  if (m.files?.length) out.files = m.files;
  return out;
}

export function wireChannel(ch: Channel, botUserId: string, withCount = false): Record<string, unknown> {
  if (ch.is_im) {
    return { id: ch.id, created: ch.created, is_im: true, is_org_shared: false, user: ch.user, is_user_deleted: false, priority: 0 };
  }
  return {
    id: ch.id,
    name: ch.name,
    name_normalized: ch.name,
    is_channel: ch.is_channel,
    is_group: ch.is_group,
    is_im: false,
    is_mpim: false,
    is_private: ch.is_private,
    is_archived: ch.is_archived,
    is_general: ch.name === 'general',
    is_shared: false,
    is_org_shared: false,
    is_ext_shared: false,
    created: ch.created,
    creator: ch.creator,
    is_member: ch.members.includes(botUserId),
    topic: ch.topic,
    purpose: ch.purpose,
    previous_names: [],
    ...(withCount ? { num_members: ch.members.length } : {}),
  };
}

export function wireView(v: View): Record<string, unknown> {
  const { user: _user, open: _open, ...rest } = v;
  return rest;
}
