/**
 * Block Kit as plain data, with small builders. Domain code renders messages with these and never
 * touches a Slack SDK type, so the same content goes to Slack, the console and tests.
 */
import type { Block, MessageContent } from './message-types.js';

export type { Block, MessageContent } from './message-types.js';

export interface ButtonSpec {
  text: string;
  actionId: string;
  value?: string;
  style?: 'primary' | 'danger';
  url?: string;
  /** A Slack confirmation dialog shown before the press is sent: for buttons that destroy or override. */
  confirm?: ConfirmSpec;
}

export interface ConfirmSpec {
  title: string;
  text: string;
  /** Label of the confirming button (Slack's default: "Yes"). */
  confirm?: string;
  /** Label of the button that backs out (default "Cancel"). */
  deny?: string;
}

/** Slack rejects section text over 3000 characters; cut politely instead of failing the post. */
export function clip(text: string, max = 2900): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/**
 * Lines packed into as few section blocks as Slack's 3000-character limit allows, so a long
 * list is split rather than silently cut; past 45 sections the rest is summarised.
 */
export function sections(lines: string[]): Block[] {
  const blocks: Block[] = [];
  let chunk = '';
  for (const line of lines) {
    if (chunk && chunk.length + line.length + 1 > 2800) {
      blocks.push(md(chunk));
      chunk = '';
    }
    chunk = chunk ? `${chunk}\n${line}` : line;
  }
  if (chunk) blocks.push(md(chunk));
  if (blocks.length > 45) blocks.splice(45, blocks.length - 45, context('_(cut: too long for one message)_'));
  return blocks;
}

export const md = (text: string): Block => ({ type: 'section', text: { type: 'mrkdwn', text: clip(text) } });
/** A message that is one mrkdwn section: the common shape of a command's answer. */
export const mdMessage = (text: string): MessageContent => ({ text, blocks: [md(text)] });
export const header = (text: string): Block => ({ type: 'header', text: { type: 'plain_text', text: clip(text, 150) } });
export const divider = (): Block => ({ type: 'divider' });
export const context = (...texts: string[]): Block => ({
  type: 'context',
  elements: texts.slice(0, 10).map((t) => ({ type: 'mrkdwn', text: clip(t, 2000) })),
});
export const fields = (pairs: Array<[string, string]>): Block => ({
  type: 'section',
  fields: pairs.slice(0, 10).map(([k, v]) => ({ type: 'mrkdwn', text: clip(`*${k}*\n${v}`, 2000) })),
});

export function button(b: ButtonSpec): Record<string, unknown> {
  return {
    type: 'button',
    text: { type: 'plain_text', text: clip(b.text, 75) },
    action_id: b.actionId,
    ...(b.value !== undefined ? { value: b.value } : {}),
    ...(b.style ? { style: b.style } : {}),
    ...(b.url ? { url: b.url } : {}),
    ...(b.confirm ? { confirm: confirmDialog(b.confirm, b.style) } : {}),
  };
}

/** Slack's confirmation dialog object; a danger button gets a red confirm button too. */
export function confirmDialog(c: ConfirmSpec, style?: 'primary' | 'danger'): Record<string, unknown> {
  return {
    title: { type: 'plain_text', text: clip(c.title, 100) },
    text: { type: 'plain_text', text: clip(c.text, 300) },
    confirm: { type: 'plain_text', text: clip(c.confirm ?? 'Yes', 30) },
    deny: { type: 'plain_text', text: clip(c.deny ?? 'Cancel', 30) },
    ...(style === 'danger' ? { style: 'danger' } : {}),
  };
}

/** Slack wants action_ids unique within a block: suffix duplicates, handlers match on the prefix. */
export function actions(buttons: ButtonSpec[], blockId?: string): Block {
  const seen = new Map<string, number>();
  const elements = buttons.slice(0, 25).map((b) => {
    const n = seen.get(b.actionId) ?? 0;
    seen.set(b.actionId, n + 1);
    return button(n === 0 ? b : { ...b, actionId: `${b.actionId}#${n}` });
  });
  return { type: 'actions', ...(blockId ? { block_id: blockId } : {}), elements };
}

/** Mentions and links the bot means to make: built by the outbound boundary's builders. */
export { channelLink, link, mention, slackDate, subteam } from './outbound.js';

/** Escape user-provided text for mrkdwn so it cannot ping @channel or forge links. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
