// Formatting of what the console shows: messages, ephemerals, modals, Home tabs.
import type { LocalSlack } from './local-slack.js';
import { formatText, renderBlocks } from './render.js';
import type { RenderedButton, RenderedInput, RenderOptions } from './render.js';
import type { Channel, Ephemeral, Message, View } from './types.js';

export type ButtonTarget = RenderedButton &
  ({ kind: 'message'; channel: string; ts: string } | { kind: 'view'; viewId: string; user: string });

export interface Screen {
  /** Buttons of the most recently rendered item that had any. */
  buttons: ButtonTarget[];
  /** Message numbers for `react` (stable per message). */
  numbers: Map<string, number>;
  byNumber: Map<number, { channel: string; ts: string }>;
  modal?: {
    viewId: string;
    user: string;
    inputs: RenderedInput[];
    values: Record<string, Record<string, string | string[]>>;
    shown: Record<string, string>;
  };
}

export function newScreen(): Screen {
  return { buttons: [], numbers: new Map(), byNumber: new Map() };
}

export function renderOptions(slack: LocalSlack): RenderOptions {
  return {
    resolveUser: (id) => slack.user(id)?.name,
    resolveChannel: (id) => slack.channel(id)?.name,
  };
}

export function channelLabel(slack: LocalSlack, ch: Channel | undefined, id: string): string {
  if (!ch) return id;
  if (ch.is_im) return `DM with @${slack.user(ch.user ?? '')?.name ?? ch.user}`;
  return `#${ch.name}`;
}

function time(ts: string): string {
  return new Date(Number(ts) * 1000).toISOString().slice(11, 19);
}

function numberFor(screen: Screen, channel: string, ts: string): number {
  const key = `${channel}:${ts}`;
  let n = screen.numbers.get(key);
  if (n === undefined) {
    n = screen.numbers.size + 1;
    screen.numbers.set(key, n);
    screen.byNumber.set(n, { channel, ts });
  }
  return n;
}

function body(slack: LocalSlack, text: string, blocks: unknown[] | undefined, buttons: RenderedButton[]): string {
  const opts = { ...renderOptions(slack), buttons, indent: '  ' };
  if (blocks?.length) return renderBlocks(blocks as Record<string, unknown>[], opts);
  return formatText(text, opts)
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');
}

export function formatMessage(slack: LocalSlack, screen: Screen, m: Message, note = ''): string {
  const ch = slack.channel(m.channel);
  const n = numberFor(screen, m.channel, m.ts);
  const author = slack.user(m.user)?.name ?? m.user;
  const where = channelLabel(slack, ch, m.channel) + (m.thread_ts && m.thread_ts !== m.ts ? ` ↳ thread ${m.thread_ts}` : '');
  const buttons: RenderedButton[] = [];
  const text = body(slack, m.text, m.blocks, buttons);
  if (buttons.length) screen.buttons = buttons.map((b) => ({ ...b, kind: 'message' as const, channel: m.channel, ts: m.ts }));
  const reactions = m.reactions?.length ? `\n  ${m.reactions.map((r) => `:${r.name}: ${r.count}`).join('  ')}` : '';
  return `(${n}) ${where} · ${author}${m.bot_id ? ' (app)' : ''} · ${time(m.ts)}${note}\n${text}${reactions}`;
}

export function formatEphemeral(slack: LocalSlack, screen: Screen, e: Ephemeral): string {
  const ch = slack.channel(e.channel);
  const buttons: RenderedButton[] = [];
  const text = body(slack, e.text, e.blocks, buttons);
  if (buttons.length) screen.buttons = buttons.map((b) => ({ ...b, kind: 'message' as const, channel: e.channel, ts: e.ts }));
  const who = slack.user(e.user)?.name ?? e.user;
  return `${channelLabel(slack, ch, e.channel)} · only visible to @${who} · ${time(e.ts)}\n${text}`;
}

const plain = (t: unknown): string =>
  t && typeof t === 'object' && typeof (t as { text?: unknown }).text === 'string' ? String((t as { text: string }).text) : '';

export function formatView(slack: LocalSlack, screen: Screen, v: View): string {
  const buttons: RenderedButton[] = [];
  const who = slack.user(v.user)?.name ?? v.user;
  if (v.type === 'home') {
    const text = renderBlocks(v.blocks, { ...renderOptions(slack), buttons, indent: '  ' });
    if (buttons.length) screen.buttons = buttons.map((b) => ({ ...b, kind: 'view' as const, viewId: v.id, user: v.user }));
    return `Home tab of @${who}\n${text}`;
  }
  const inputs: RenderedInput[] = [];
  const keep = screen.modal?.viewId === v.id ? screen.modal : undefined;
  const shown = keep?.shown ?? {};
  const text = renderBlocks(v.blocks, { ...renderOptions(slack), buttons, inputs, values: shown, indent: '  │ ' });
  if (buttons.length) screen.buttons = buttons.map((b) => ({ ...b, kind: 'view' as const, viewId: v.id, user: v.user }));
  screen.modal = { viewId: v.id, user: v.user, inputs, values: keep?.values ?? {}, shown };
  const actions = [plain(v.submit) && `submit = ${plain(v.submit)}`, `cancel = ${plain(v.close) || 'Cancel'}`].filter(Boolean).join(', ');
  const help = inputs.length ? `\n  └ fill <n> <value>, then ${actions}` : `\n  └ ${actions}`;
  return `┌ modal for @${who}: ${plain(v.title)}  (${v.id})\n${text}${help}`;
}
