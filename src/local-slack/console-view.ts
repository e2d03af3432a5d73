// Formatting of what the console shows: messages, ephemerals, modals, Home tabs.
import type { LocalSlack } from './local-slack.js';
import { formatText, renderBlocks } from './render.js';
import type { RenderedButton, RenderedInput, RenderOptions } from './render.js';
import type { Channel, Ephemeral, Message, View } from './types.js';

export type ButtonTarget = RenderedButton &
  ({ kind: 'message'; channel: string; ts: string } | { kind: 'view'; viewId: string; user: string });

export interface Screen {
  /** Buttons by item number (message, ephemeral, modal or Home tab): `press 12.1` is buttons.get(12)[0]. */
  buttons: Map<number, ButtonTarget[]>;
  /** Item numbers (stable per message, ephemeral or view), for `press`, `react` and `reply`. */
  numbers: Map<string, number>;
  byNumber: Map<number, { channel: string; ts: string }>;
  /** What each numbered item showed last: an edit prints one line, and nothing when it changed nothing visible. */
  shown: Map<number, string>;
  modal?: {
    viewId: string;
    user: string;
    inputs: RenderedInput[];
    values: Record<string, Record<string, string | string[]>>;
    shown: Record<string, string>;
  };
}

export function newScreen(): Screen {
  return { buttons: new Map(), numbers: new Map(), byNumber: new Map(), shown: new Map() };
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

function numberFor(screen: Screen, key: string, at?: { channel: string; ts: string }): number {
  let n = screen.numbers.get(key);
  if (n === undefined) {
    n = screen.numbers.size + 1;
    screen.numbers.set(key, n);
    if (at) screen.byNumber.set(n, at);
  }
  return n;
}

function body(slack: LocalSlack, n: number, text: string, blocks: unknown[] | undefined, buttons: RenderedButton[]): string {
  const opts = { ...renderOptions(slack), buttons, indent: '  ', buttonPrefix: `${n}.` };
  if (blocks?.length) return renderBlocks(blocks as Record<string, unknown>[], opts);
  return formatText(text, opts)
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');
}

/** A thread reply names its thread by the root's number, not by a raw timestamp. */
function threadLabel(screen: Screen, m: Message): string {
  if (!m.thread_ts || m.thread_ts === m.ts) return '';
  const root = screen.numbers.get(`${m.channel}:${m.thread_ts}`);
  return root ? ` ↳ thread of (${root})` : ' ↳ thread';
}

function messageBody(slack: LocalSlack, screen: Screen, n: number, m: Message): string {
  const buttons: RenderedButton[] = [];
  const text = body(slack, n, m.text, m.blocks, buttons);
  screen.buttons.set(
    n,
    buttons.map((b) => ({ ...b, kind: 'message' as const, channel: m.channel, ts: m.ts })),
  );
  const reactions = m.reactions?.length ? `\n  ${m.reactions.map((r) => `:${r.name}: ${r.count}`).join('  ')}` : '';
  return `${text}${reactions}`;
}

export function formatMessage(slack: LocalSlack, screen: Screen, m: Message): string {
  const ch = slack.channel(m.channel);
  const n = numberFor(screen, `${m.channel}:${m.ts}`, { channel: m.channel, ts: m.ts });
  const author = slack.user(m.user)?.name ?? m.user;
  const where = channelLabel(slack, ch, m.channel) + threadLabel(screen, m);
  const content = messageBody(slack, screen, n, m);
  screen.shown.set(n, content);
  return `(${n}) ${where} · ${author}${m.bot_id ? ' (app)' : ''} · ${time(m.ts)}${m.edited ? ' (edited)' : ''}\n${content}`;
}

/**
 * chat.update of a message: one line naming it ("(12) edited: …" with its first changed line), not
 * a reprint; nothing when only elapsed times changed. `history` shows it whole.
 */
export function formatEdit(slack: LocalSlack, screen: Screen, m: Message): string | undefined {
  const seen = screen.numbers.get(`${m.channel}:${m.ts}`);
  const before = seen === undefined ? undefined : screen.shown.get(seen);
  if (before === undefined) return formatMessage(slack, screen, m); // first seen in this session: shown whole, once
  const n = seen!;
  const content = messageBody(slack, screen, n, m);
  screen.shown.set(n, content);
  // A waiting run card is edited as its clock ticks: an edit that only moves elapsed times is not news.
  const clockless = (t: string) => t.replace(/\b\d+(ms|s|m|h|d)\b/g, '…');
  if (clockless(before) === clockless(content)) return undefined;
  const old = new Set((before ?? '').split('\n'));
  const changed = content.split('\n').find((l) => !old.has(l) && l.trim()) ?? content.split('\n')[0] ?? '';
  return `(${n}) edited in ${channelLabel(slack, slack.channel(m.channel), m.channel)}: ${changed.trim()}`;
}

export function formatEphemeral(slack: LocalSlack, screen: Screen, e: Ephemeral): string {
  const ch = slack.channel(e.channel);
  const n = numberFor(screen, `eph:${e.channel}:${e.ts}`);
  const buttons: RenderedButton[] = [];
  const text = body(slack, n, e.text, e.blocks, buttons);
  screen.buttons.set(
    n,
    buttons.map((b) => ({ ...b, kind: 'message' as const, channel: e.channel, ts: e.ts })),
  );
  const who = slack.user(e.user)?.name ?? e.user;
  return `(${n}) ${channelLabel(slack, ch, e.channel)} · only visible to @${who} · ${time(e.ts)}\n${text}`;
}

const plain = (t: unknown): string =>
  t && typeof t === 'object' && typeof (t as { text?: unknown }).text === 'string' ? String((t as { text: string }).text) : '';

export function formatView(slack: LocalSlack, screen: Screen, v: View): string {
  const buttons: RenderedButton[] = [];
  const who = slack.user(v.user)?.name ?? v.user;
  const n = numberFor(screen, `view:${v.id}`);
  const remember = () =>
    screen.buttons.set(
      n,
      buttons.map((b) => ({ ...b, kind: 'view' as const, viewId: v.id, user: v.user })),
    );
  if (v.type === 'home') {
    const text = renderBlocks(v.blocks, { ...renderOptions(slack), buttons, indent: '  ', buttonPrefix: `${n}.` });
    remember();
    return `(${n}) Home tab of @${who}\n${text}`;
  }
  const inputs: RenderedInput[] = [];
  const keep = screen.modal?.viewId === v.id ? screen.modal : undefined;
  const shown = keep?.shown ?? {};
  const text = renderBlocks(v.blocks, { ...renderOptions(slack), buttons, inputs, values: shown, indent: '  │ ', buttonPrefix: `${n}.` });
  remember();
  screen.modal = { viewId: v.id, user: v.user, inputs, values: keep?.values ?? {}, shown };
  const actions = [plain(v.submit) && `submit = ${plain(v.submit)}`, `cancel = ${plain(v.close) || 'Cancel'}`].filter(Boolean).join(', ');
  const help = inputs.length ? `\n  └ fill <n> <value>, then ${actions}` : `\n  └ ${actions}`;
  return `┌ (${n}) modal for @${who}: ${plain(v.title)}  (${v.id})\n${text}${help}`;
}
