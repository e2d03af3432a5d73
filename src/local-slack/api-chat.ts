// chat.* and reactions.* Web API methods.
import { decodeBlocks, validateBlocks } from './blocks.js';
import type { Workspace } from './state.js';
import { ApiError } from './types.js';
import type { Channel } from './types.js';
import { json, need, str, wireMessage } from './wire.js';
import type { Args } from './wire.js';

export type Handler = (ws: Workspace, args: Args) => Record<string, unknown>;

/** A channel id, or a user id meaning the DM with that user. */
function target(ws: Workspace, args: Args, key = 'channel'): Channel {
  const id = need(args, key, 'channel_not_found');
  const ch = /^[UW]/.test(id) ? ws.imFor(id) : ws.visibleChannel(id);
  if (ch.is_archived) throw new ApiError('is_archived');
  return ch;
}

function content(args: Args) {
  const text = str(args, 'text') ?? '';
  const blocks = decodeBlocks(args.blocks);
  const attachments = json(args, 'attachments') as unknown[] | undefined;
  if (blocks) validateBlocks(blocks, 'message');
  if (text.length > 40000) throw new ApiError('msg_too_long');
  return { text, blocks, attachments: Array.isArray(attachments) ? attachments : undefined };
}

function botMessage(ws: Workspace, channel: string, ts: string) {
  const msg = ws.findMessage(channel, ts);
  if (!msg) throw new ApiError('message_not_found');
  return msg;
}

export const chatMethods: Record<string, Handler> = {
  'chat.postMessage': (ws, args) => {
    const ch = target(ws, args);
    const c = content(args);
    if (!c.text && !c.blocks && !c.attachments) throw new ApiError('no_text');
    const threadTs = str(args, 'thread_ts') || undefined;
    const metadata = json(args, 'metadata');
    const msg = ws.addMessage({
      channel: ch.id,
      user: ws.o.botUserId,
      text: c.text,
      bot: true,
      ...(c.blocks ? { blocks: c.blocks } : {}),
      ...(c.attachments ? { attachments: c.attachments } : {}),
      ...(threadTs ? { thread_ts: threadTs } : {}),
      ...(metadata ? { metadata } : {}),
    });
    return { channel: ch.id, ts: msg.ts, message: { ...wireMessage(msg), team: ws.team.id } };
  },

  'chat.update': (ws, args) => {
    const ch = ws.visibleChannel(need(args, 'channel', 'channel_not_found'));
    const msg = botMessage(ws, ch.id, need(args, 'ts', 'message_not_found'));
    if (msg.user !== ws.o.botUserId) throw new ApiError('cant_update_message');
    const c = content(args);
    const patch: { text?: string; blocks?: typeof c.blocks; attachments?: unknown[] } = {};
    if (str(args, 'text') !== undefined) patch.text = c.text;
    if (args.blocks !== undefined) patch.blocks = c.blocks ?? [];
    if (c.attachments) patch.attachments = c.attachments;
    if (!('text' in patch) && !('blocks' in patch) && !('attachments' in patch)) throw new ApiError('no_text');
    ws.updateMessage(msg, patch);
    return { channel: ch.id, ts: msg.ts, text: msg.text, message: wireMessage(msg) };
  },

  'chat.delete': (ws, args) => {
    const ch = ws.visibleChannel(need(args, 'channel', 'channel_not_found'));
    const msg = botMessage(ws, ch.id, need(args, 'ts', 'message_not_found'));
    if (msg.user !== ws.o.botUserId) throw new ApiError('cant_delete_message');
    msg.deleted = true;
    ws.o.emit('delete', msg);
    return { channel: ch.id, ts: msg.ts };
  },

  'chat.postEphemeral': (ws, args) => {
    const ch = target(ws, args);
    const user = need(args, 'user', 'user_not_found');
    if (!ws.user(user)) throw new ApiError('user_not_found');
    if (!ws.isMember(ch, user)) throw new ApiError('user_not_in_channel');
    const c = content(args);
    if (!c.text && !c.blocks && !c.attachments) throw new ApiError('no_text');
    const threadTs = str(args, 'thread_ts') || undefined;
    const eph = ws.addEphemeral({
      channel: ch.id,
      user,
      text: c.text,
      via: 'chat.postEphemeral',
      ...(c.blocks ? { blocks: c.blocks } : {}),
      ...(threadTs ? { thread_ts: threadTs } : {}),
    });
    return { message_ts: eph.ts };
  },

  'chat.getPermalink': (ws, args) => {
    const ch = ws.visibleChannel(need(args, 'channel', 'channel_not_found'));
    const ts = need(args, 'message_ts', 'message_not_found');
    botMessage(ws, ch.id, ts);
    return { channel: ch.id, permalink: ws.permalink(ch.id, ts) };
  },

  'reactions.add': (ws, args) => {
    const ch = ws.visibleChannel(need(args, 'channel', 'channel_not_found'));
    const msg = botMessage(ws, ch.id, need(args, 'timestamp', 'message_not_found'));
    const name = need(args, 'name', 'invalid_name').replace(/^:|:$/g, '');
    addReaction(msg, name, ws.o.botUserId);
    ws.o.emit('update', msg);
    return {};
  },

  'reactions.remove': (ws, args) => {
    const ch = ws.visibleChannel(need(args, 'channel', 'channel_not_found'));
    const msg = botMessage(ws, ch.id, need(args, 'timestamp', 'message_not_found'));
    const name = need(args, 'name', 'invalid_name').replace(/^:|:$/g, '');
    const r = msg.reactions?.find((x) => x.name === name);
    if (!r || !r.users.includes(ws.o.botUserId)) throw new ApiError('no_reaction');
    r.users = r.users.filter((u) => u !== ws.o.botUserId);
    r.count = r.users.length;
    msg.reactions = msg.reactions?.filter((x) => x.count > 0);
    ws.o.emit('update', msg);
    return {};
  },

  'reactions.get': (ws, args) => {
    const ch = ws.visibleChannel(need(args, 'channel', 'channel_not_found'));
    const msg = botMessage(ws, ch.id, need(args, 'timestamp', 'message_not_found'));
    return { type: 'message', channel: ch.id, message: wireMessage(msg) };
  },
};

export function addReaction(msg: { reactions?: { name: string; users: string[]; count: number }[] }, name: string, user: string): void {
  const reactions = (msg.reactions ??= []);
  let r = reactions.find((x) => x.name === name);
  if (!r) reactions.push((r = { name, users: [], count: 0 }));
  if (r.users.includes(user)) throw new ApiError('already_reacted');
  r.users.push(user);
  r.count = r.users.length;
}
