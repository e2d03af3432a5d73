// What Slack does with a response_url post, or with the JSON body a bot returns when it acks a slash command.
import { decodeBlocks, validateBlocks } from './blocks.js';
import type { Workspace } from './state.js';
import type { Block } from './types.js';

export interface ResponseContext {
  channel: string;
  user: string;
  sourceTs?: string;
  sourceEphemeral?: boolean;
  threadTs?: string;
}

export interface ResponseBody {
  text?: unknown;
  blocks?: unknown;
  response_type?: unknown;
  replace_original?: unknown;
  delete_original?: unknown;
  thread_ts?: unknown;
}

const truthy = (v: unknown) => v === true || v === 'true';

/** Apply a response; returns an error code (as Slack's HTTP 400/404 body) or undefined on success. */
export function applyResponse(ws: Workspace, ctx: ResponseContext, body: ResponseBody, via: 'response_url' | 'ack'): string | undefined {
  let blocks: Block[] | undefined;
  try {
    blocks = decodeBlocks(body.blocks, 'invalid_blocks');
    if (blocks) validateBlocks(blocks, 'message');
  } catch (err) {
    return (err as { code?: string }).code ?? 'invalid_blocks';
  }
  const text = typeof body.text === 'string' ? body.text : '';
  const sourceMsg = ctx.sourceTs && !ctx.sourceEphemeral ? ws.findMessage(ctx.channel, ctx.sourceTs) : undefined;
  const sourceEph =
    ctx.sourceTs && ctx.sourceEphemeral
      ? ws.ephemerals.find((e) => e.ts === ctx.sourceTs && e.channel === ctx.channel && !e.deleted)
      : undefined;

  if (truthy(body.delete_original)) {
    if (sourceMsg) {
      sourceMsg.deleted = true;
      ws.o.emit('delete', sourceMsg);
    } else if (sourceEph) {
      sourceEph.deleted = true;
    } else return 'message_not_found';
    return undefined;
  }
  if (truthy(body.replace_original)) {
    if (sourceMsg) {
      ws.updateMessage(sourceMsg, { text, blocks: blocks ?? [] });
      return undefined;
    }
    if (sourceEph) {
      sourceEph.text = text;
      if (blocks) sourceEph.blocks = blocks;
      else delete sourceEph.blocks;
      ws.o.emit('ephemeral', sourceEph);
      return undefined;
    }
    return 'message_not_found';
  }
  if (!text && !blocks) return 'no_text';
  const threadTs = typeof body.thread_ts === 'string' ? body.thread_ts : ctx.threadTs;
  if (body.response_type === 'in_channel') {
    try {
      ws.addMessage({
        channel: ctx.channel,
        user: ws.o.botUserId,
        text,
        bot: true,
        ...(blocks ? { blocks } : {}),
        ...(threadTs ? { thread_ts: threadTs } : {}),
      });
    } catch (err) {
      return (err as { code?: string }).code ?? 'internal_error';
    }
    return undefined;
  }
  ws.addEphemeral({
    channel: ctx.channel,
    user: ctx.user,
    text,
    via,
    ...(blocks ? { blocks } : {}),
    ...(threadTs ? { thread_ts: threadTs } : {}),
  });
  return undefined;
}
