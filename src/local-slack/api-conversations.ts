// conversations.*, pins.* and bookmarks.* Web API methods.
import type { Handler } from './api-chat.js';
import { randomId } from './state.js';
import type { Workspace } from './state.js';
import { ApiError } from './types.js';
import type { Channel } from './types.js';
import { bool, list, need, page, str, wireChannel, wireMessage } from './wire.js';
import type { Args } from './wire.js';

function checkName(ws: Workspace, name: string | undefined, except?: Channel): string {
  if (!name) throw new ApiError('invalid_name_required');
  if (name.length > 80) throw new ApiError('invalid_name_maxlength');
  if (!/^[a-z0-9_-]+$/.test(name)) throw new ApiError('invalid_name_specials');
  if (!/[a-z0-9]/.test(name)) throw new ApiError('invalid_name_punctuation');
  for (const c of ws.channels.values()) if (!c.is_im && c.name === name && c !== except) throw new ApiError('name_taken');
  return name;
}

/** A channel the bot is in (Slack answers not_in_channel for public channels it is not in). */
function joined(ws: Workspace, args: Args, key = 'channel'): Channel {
  const ch = ws.visibleChannel(need(args, key, 'channel_not_found'));
  if (!ws.isMember(ch, ws.o.botUserId)) throw new ApiError('not_in_channel');
  return ch;
}

function writable(ws: Workspace, args: Args, key = 'channel'): Channel {
  const ch = joined(ws, args, key);
  if (ch.is_archived) throw new ApiError('is_archived');
  return ch;
}

const info = (ws: Workspace, ch: Channel, count = false) => ({ channel: wireChannel(ch, ws.o.botUserId, count) });

function setText(field: 'topic' | 'purpose'): Handler {
  return (ws, args) => {
    const ch = writable(ws, args);
    const value = str(args, field) ?? '';
    if (value.length > 250) throw new ApiError('too_long');
    ch[field] = { value, creator: ws.o.botUserId, last_set: Math.floor(ws.now() / 1000) };
    return { channel: wireChannel(ch, ws.o.botUserId) };
  };
}

export const conversationMethods: Record<string, Handler> = {
  'conversations.create': (ws, args) => {
    const name = checkName(ws, str(args, 'name'));
    const isPrivate = bool(args, 'is_private') ?? false;
    const ch: Channel = {
      id: randomId('C'),
      name,
      is_channel: true,
      is_group: false,
      is_im: false,
      is_private: isPrivate,
      is_archived: false,
      created: Math.floor(ws.now() / 1000),
      creator: ws.o.botUserId,
      members: [ws.o.botUserId],
      topic: { value: '', creator: '', last_set: 0 },
      purpose: { value: '', creator: '', last_set: 0 },
    };
    ws.channels.set(ch.id, ch);
    ws.o.emit('channel', ch);
    return info(ws, ch);
  },

  'conversations.rename': (ws, args) => {
    const ch = writable(ws, args);
    ch.name = checkName(ws, str(args, 'name'), ch);
    return info(ws, ch);
  },

  // Without `force`, one invitee Slack refuses fails the whole call; with it, the valid users are
  // invited and the refused ones listed in `errors: [{user, ok:false, error}]`.
  'conversations.invite': (ws, args) => {
    const ch = writable(ws, args);
    if (ch.is_im) throw new ApiError('method_not_supported_for_channel_type');
    const users = [...new Set(list(args, 'users'))];
    if (!users.length) throw new ApiError('no_user');
    const force = bool(args, 'force') ?? false;
    const errors: Array<{ user: string; ok: false; error: string }> = [];
    const fresh: string[] = [];
    for (const u of users) {
      const error = ws.inviteRefusal(ch, u);
      if (error) errors.push({ user: u, ok: false, error });
      else fresh.push(u);
    }
    const fatal = errors.find((e) => e.error !== 'already_in_channel');
    if (fatal && (!force || !fresh.length)) throw new ApiError(fatal.error);
    if (!fresh.length) throw new ApiError('already_in_channel');
    for (const u of fresh) {
      ch.members.push(u);
      ws.o.emit('member_joined', { channel: ch.id, user: u, inviter: ws.o.botUserId });
    }
    return { ...info(ws, ch), ...(force && errors.length ? { errors } : {}) };
  },

  'conversations.kick': (ws, args) => {
    const ch = writable(ws, args);
    const user = need(args, 'user', 'user_not_found');
    if (user === ws.o.botUserId) throw new ApiError('cant_kick_self');
    if (!ws.user(user)) throw new ApiError('user_not_found');
    if (!ws.isMember(ch, user)) throw new ApiError('not_in_channel');
    ch.members = ch.members.filter((u) => u !== user);
    return {};
  },

  'conversations.join': (ws, args) => {
    const ch = ws.visibleChannel(need(args, 'channel', 'channel_not_found'));
    if (ch.is_private || ch.is_im) throw new ApiError('method_not_supported_for_channel_type');
    if (ch.is_archived) throw new ApiError('is_archived');
    if (!ws.isMember(ch, ws.o.botUserId)) ch.members.push(ws.o.botUserId);
    return info(ws, ch);
  },

  'conversations.archive': (ws, args) => {
    const ch = joined(ws, args);
    if (ch.is_archived) throw new ApiError('already_archived');
    if (ch.name === 'general') throw new ApiError('cant_archive_general');
    ch.is_archived = true;
    return {};
  },

  'conversations.unarchive': (ws, args) => {
    const ch = joined(ws, args);
    if (!ch.is_archived) throw new ApiError('not_archived');
    ch.is_archived = false;
    return {};
  },

  'conversations.setTopic': setText('topic'),
  'conversations.setPurpose': setText('purpose'),

  'conversations.info': (ws, args) => {
    const ch = ws.visibleChannel(need(args, 'channel', 'channel_not_found'));
    return info(ws, ch, bool(args, 'include_num_members') ?? false);
  },

  'conversations.list': (ws, args) => {
    const types = new Set(list(args, 'types').length ? list(args, 'types') : ['public_channel']);
    const excludeArchived = bool(args, 'exclude_archived') ?? false;
    const all = [...ws.channels.values()].filter((c) => {
      if (excludeArchived && c.is_archived) return false;
      if (c.is_im) return types.has('im') && ws.isMember(c, ws.o.botUserId);
      if (c.is_private) return types.has('private_channel') && ws.isMember(c, ws.o.botUserId);
      return types.has('public_channel');
    });
    const p = page(all, args);
    return { channels: p.items.map((c) => wireChannel(c, ws.o.botUserId)), response_metadata: { next_cursor: p.next_cursor } };
  },

  'conversations.history': (ws, args) => {
    const ch = joined(ws, args);
    const oldest = Number(str(args, 'oldest') ?? 0);
    const latest = Number(str(args, 'latest') ?? Infinity);
    const inclusive = bool(args, 'inclusive') ?? false;
    const msgs = ws
      .allMessages(ch.id)
      .filter((m) => !m.deleted && (!m.thread_ts || m.thread_ts === m.ts))
      .filter((m) => {
        const t = Number(m.ts);
        return inclusive ? t >= oldest && t <= latest : t > oldest && t < latest;
      })
      .reverse();
    const p = page(msgs, args);
    return {
      messages: p.items.map(wireMessage),
      has_more: p.next_cursor !== '',
      pin_count: ws.pins.get(ch.id)?.length ?? 0,
      response_metadata: { next_cursor: p.next_cursor },
    };
  },

  'conversations.replies': (ws, args) => {
    const ch = joined(ws, args);
    const msg = ws.findMessage(ch.id, need(args, 'ts', 'thread_not_found'));
    if (!msg) throw new ApiError('thread_not_found');
    const root = msg.thread_ts ?? msg.ts;
    const thread = ws.allMessages(ch.id).filter((m) => !m.deleted && (m.ts === root || m.thread_ts === root));
    const p = page(thread, args, 1000);
    return { messages: p.items.map(wireMessage), has_more: p.next_cursor !== '', response_metadata: { next_cursor: p.next_cursor } };
  },

  'conversations.members': (ws, args) => {
    const ch = ws.visibleChannel(need(args, 'channel', 'channel_not_found'));
    const p = page(ch.members, args);
    return { members: p.items, response_metadata: { next_cursor: p.next_cursor } };
  },

  'conversations.open': (ws, args) => {
    const channel = str(args, 'channel');
    let ch: Channel;
    if (channel) ch = ws.visibleChannel(channel);
    else {
      const users = list(args, 'users').filter((u) => u !== ws.o.botUserId);
      if (!users.length) throw new ApiError('users_list_not_supplied');
      if (users.length > 1) throw new ApiError('not_supported_by_local_slack', ['[ERROR] multi-person DMs are not simulated']);
      ch = ws.imFor(users[0] as string);
    }
    return { channel: bool(args, 'return_im') ? wireChannel(ch, ws.o.botUserId) : { id: ch.id } };
  },

  'pins.add': (ws, args) => {
    const ch = writable(ws, args);
    const ts = need(args, 'timestamp', 'no_item_specified');
    if (!ws.findMessage(ch.id, ts)) throw new ApiError('message_not_found');
    const pins = ws.pins.get(ch.id) ?? [];
    if (pins.includes(ts)) throw new ApiError('already_pinned');
    pins.push(ts);
    ws.pins.set(ch.id, pins);
    return {};
  },

  'pins.remove': (ws, args) => {
    const ch = writable(ws, args);
    const ts = need(args, 'timestamp', 'no_item_specified');
    const pins = ws.pins.get(ch.id) ?? [];
    if (!pins.includes(ts)) throw new ApiError('no_pin');
    ws.pins.set(
      ch.id,
      pins.filter((p) => p !== ts),
    );
    return {};
  },

  'pins.list': (ws, args) => {
    const ch = joined(ws, args);
    const items = (ws.pins.get(ch.id) ?? []).flatMap((ts) => {
      const m = ws.findMessage(ch.id, ts);
      return m ? [{ type: 'message', channel: ch.id, created_by: ws.o.botUserId, message: wireMessage(m) }] : [];
    });
    return { items };
  },

  'bookmarks.add': (ws, args) => {
    const ch = writable(ws, args, 'channel_id');
    const title = need(args, 'title', 'invalid_title');
    const type = need(args, 'type', 'invalid_type');
    if (type !== 'link') throw new ApiError('invalid_type');
    const link = need(args, 'link', 'invalid_link');
    if (!/^https?:\/\/\S+$/.test(link)) throw new ApiError('invalid_link');
    const emoji = str(args, 'emoji');
    const bookmark = { id: randomId('Bk'), channel_id: ch.id, title, link, type, ...(emoji ? { emoji } : {}) };
    const list = ws.bookmarks.get(ch.id) ?? [];
    list.push(bookmark);
    ws.bookmarks.set(ch.id, list);
    return { bookmark: { ...bookmark, date_created: Math.floor(ws.now() / 1000) } };
  },

  'bookmarks.list': (ws, args) => {
    const ch = joined(ws, args, 'channel_id');
    return { bookmarks: ws.bookmarks.get(ch.id) ?? [] };
  },
};
