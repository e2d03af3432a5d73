// Text objects and the rendering context shared by blocks-html.ts and inputs-html.ts.
import type { Names } from './mrkdwn.js';
import { mrkdwnToHtml, plainToHtml } from './mrkdwn.js';

export interface BlockContext {
  names: Names;
  /** Workspace people and channels, for user/conversation pickers. */
  people: { id: string; name: string }[];
  channels: { id: string; name: string }[];
  /** Validation messages by block_id (response_action: errors). */
  errors?: Record<string, string>;
}

/** A text object (plain_text or mrkdwn) as HTML. */
export function textHtml(t: unknown, ctx: BlockContext): string {
  if (typeof t !== 'object' || t === null || typeof (t as { text?: unknown }).text !== 'string') return '';
  const o = t as { type?: unknown; text: string; emoji?: unknown };
  return o.type === 'mrkdwn' ? mrkdwnToHtml(o.text, ctx.names) : plainToHtml(o.text, o.emoji !== false);
}
