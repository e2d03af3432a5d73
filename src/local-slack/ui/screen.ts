// What one person sees in the browser page: their channels and DMs (with unread counts), the open
// channel's messages and their own ephemerals, a thread, their Home tab and their open modal.
// Everything is rendered to escaped HTML here; the page script only places it.
import type { LocalSlack } from '../local-slack.js';
import type { Channel, Ephemeral, LocalFile, Message, View } from '../types.js';
import { topModal } from '../views.js';
import { blocksHtml } from './blocks-html.js';
import { escapeHtml, mrkdwnToHtml, plainToHtml } from './mrkdwn.js';
import type { BlockContext } from './text-html.js';

export interface Keyed {
  key: string;
  html: string;
}

export interface SidebarItem {
  id: string;
  label: string;
  private: boolean;
  unread: number;
}

export interface ScreenState {
  me: { id: string; name: string; realName: string };
  people: { id: string; name: string; realName: string; title: string }[];
  channels: SidebarItem[];
  dms: SidebarItem[];
  channel?: { id: string; label: string; topic: string; purpose: string; members: number; pins: Keyed[]; bookmarks: Keyed[] };
  messages: Keyed[];
  thread?: { ts: string; messages: Keyed[] };
  home?: { id: string; hash: string; html: string };
  modal?: { id: string; hash: string; title: string; submit: string; close: string; html: string };
}

export interface ScreenQuery {
  user: string;
  channel?: string;
  thread?: string;
  home?: boolean;
}

/** Last read message per user and channel, for unread marks (kept by the page server). */
export type ReadMarks = Map<string, Map<string, string>>;

export function blockContext(slack: LocalSlack, errors?: Record<string, string>): BlockContext {
  const ws = slack.workspace;
  return {
    names: {
      user: (id) => slack.user(id)?.name,
      channel: (id) => slack.channel(id)?.name,
      usergroup: (id) => ws.usergroups.get(id)?.handle,
    },
    people: slack
      .users()
      .filter((u) => !u.is_bot && !u.deleted)
      .map((u) => ({ id: u.id, name: u.name })),
    channels: slack
      .channels()
      .filter((c) => !c.is_im && !c.is_archived)
      .map((c) => ({ id: c.id, name: c.name })),
    ...(errors ? { errors } : {}),
  };
}

/** Messages shown of a channel or thread. */
const SHOWN = 200;

const time = (ts: string) => new Date(Number(ts) * 1000).toISOString().slice(11, 16);
const plain = (t: unknown) =>
  t && typeof t === 'object' && typeof (t as { text?: unknown }).text === 'string' ? (t as { text: string }).text : '';

export function channelLabel(slack: LocalSlack, ch: Channel): string {
  if (!ch.is_im) return `#${ch.name}`;
  // Every DM of the local workspace is between a person and the app: the person sees the app's name.
  return slack.user(slack.botUserId)?.real_name ?? 'app';
}

/** A shared file: an image is shown (served by the page's own /ui/files/<id>), anything else named. */
function fileHtml(f: LocalFile): string {
  const title = escapeHtml(f.title || f.name);
  if (!f.mimetype.startsWith('image/')) return `<div class="file">📎 ${title}</div>`;
  const alt = escapeHtml(f.alt_txt ?? f.title ?? f.name);
  return `<figure class="file"><img src="/ui/files/${encodeURIComponent(f.id)}" alt="${alt}"><figcaption>${title}</figcaption></figure>`;
}

function contentHtml(slack: LocalSlack, m: { text: string; blocks?: unknown[]; attachments?: unknown[]; files?: LocalFile[] }): string {
  const ctx = blockContext(slack);
  const body = m.blocks?.length ? blocksHtml(m.blocks as Record<string, unknown>[], ctx) : mrkdwnToHtml(m.text, ctx.names);
  const attachments = (m.attachments ?? []).map((a) => {
    const att = (a && typeof a === 'object' ? a : {}) as Record<string, unknown>;
    const color = typeof att.color === 'string' && /^#?[0-9a-f]{3,8}$/i.test(att.color) ? att.color.replace(/^#?/, '#') : '#ddd';
    const inner = Array.isArray(att.blocks)
      ? blocksHtml(att.blocks as Record<string, unknown>[], ctx)
      : mrkdwnToHtml(String(att.text ?? att.fallback ?? ''), ctx.names);
    return `<div class="attachment" style="border-color:${color}">${inner}</div>`;
  });
  return body + attachments.join('') + (m.files ?? []).map(fileHtml).join('');
}

function messageHtml(slack: LocalSlack, me: string, m: Message, o: { inThread: boolean; pinned: boolean }): string {
  const author = slack.user(m.user);
  const name = escapeHtml(author?.real_name ?? m.user);
  const app = m.bot_id ? ' <span class="badge">APP</span>' : '';
  const edited = m.edited ? ' <span class="edited">(edited)</span>' : '';
  const pinned = o.pinned ? ' <span class="pinned">📌 Pinned</span>' : '';
  const reactions = (m.reactions ?? [])
    .map((r) => {
      const mine = r.users.includes(me) ? ' mine' : '';
      const name = escapeHtml(r.name);
      return `<button class="reaction${mine}" data-react="${name}" title=":${name}:">${plainToHtml(`:${r.name}:`)} ${r.count}</button>`;
    })
    .join('');
  const replies =
    !o.inThread && m.reply_count
      ? `<a href="#" class="replies" data-thread="${escapeHtml(m.ts)}">${m.reply_count} ${m.reply_count === 1 ? 'reply' : 'replies'}</a>`
      : '';
  return (
    `<div class="msg${m.bot_id ? ' bot' : ''}" data-channel="${escapeHtml(m.channel)}" data-ts="${escapeHtml(m.ts)}">` +
    `<div class="avatar">${escapeHtml((author?.real_name ?? '?').slice(0, 1))}</div><div class="msg-body">` +
    `<div class="msg-head"><span class="author">${name}</span>${app}<time>${time(m.ts)}</time>${edited}${pinned}</div>` +
    `<div class="msg-content">${contentHtml(slack, m)}</div>` +
    (reactions ? `<div class="reactions">${reactions}</div>` : '') +
    replies +
    `</div><div class="msg-tools"><button class="tool" data-tool="react" title="Add reaction">😀</button>` +
    (o.inThread ? '' : `<button class="tool" data-tool="thread" title="Reply in thread">💬</button>`) +
    `<button class="tool" data-tool="shortcuts" title="More actions">⋯</button></div></div>`
  );
}

function ephemeralHtml(slack: LocalSlack, e: Ephemeral): string {
  return (
    `<div class="msg bot ephemeral" data-channel="${escapeHtml(e.channel)}" data-ts="${escapeHtml(e.ts)}" data-ephemeral>` +
    `<div class="avatar">S</div><div class="msg-body"><div class="msg-head"><span class="author">` +
    `${escapeHtml(slack.user(slack.botUserId)?.real_name ?? 'app')}</span> <span class="badge">APP</span><time>${time(e.ts)}</time></div>` +
    `<div class="eph-note">👁 Only visible to you</div><div class="msg-content">${contentHtml(slack, e)}</div></div></div>`
  );
}

/** Channels a person sees: the ones they are in. DMs: theirs with the app. */
export function visibleChannels(slack: LocalSlack, user: string): Channel[] {
  return slack.channels().filter((c) => !c.is_archived && c.members.includes(user) && (!c.is_im || c.user === user));
}

function unread(slack: LocalSlack, user: string, ch: Channel, marks: ReadMarks, since: string): number {
  const last = marks.get(user)?.get(ch.id) ?? since;
  return slack.messages(ch.id).filter((m) => m.user !== user && Number(m.ts) > Number(last)).length;
}

function timeline(slack: LocalSlack, user: string, ch: Channel, threadTs?: string): Keyed[] {
  const pins = new Set(slack.pins(ch.id));
  const inThread = threadTs !== undefined;
  const msgs = slack.messages(ch.id, threadTs ? { threadTs } : {});
  const ephs = slack
    .ephemerals(user)
    .filter((e) => e.channel === ch.id && (threadTs ? e.thread_ts === threadTs : !e.thread_ts || e.thread_ts === e.ts));
  const items: { ts: string; key: string; html: () => string }[] = [
    ...msgs.map((m) => ({ ts: m.ts, key: `m${m.ts}`, html: () => messageHtml(slack, user, m, { inThread, pinned: pins.has(m.ts) }) })),
    ...ephs.map((e) => ({ ts: e.ts, key: `e${e.ts}`, html: () => ephemeralHtml(slack, e) })),
  ];
  // The latest ones, as Slack's client loads a channel: rendering a long history on every change is waste.
  return items
    .sort((a, b) => Number(a.ts) - Number(b.ts))
    .slice(-SHOWN)
    .map((i) => ({ key: i.key, html: i.html() }));
}

function viewHtml(slack: LocalSlack, v: View, errors?: Record<string, string>): string {
  return blocksHtml(v.blocks, blockContext(slack, errors));
}

export function screenFor(slack: LocalSlack, q: ScreenQuery, marks: ReadMarks, since: string): ScreenState {
  const me = slack.user(q.user);
  if (!me) throw new Error(`unknown user ${q.user}`);
  const visible = visibleChannels(slack, me.id);
  const open = q.channel ? visible.find((c) => c.id === q.channel) : undefined;
  if (open && !q.home) {
    const list = slack.messages(open.id);
    const last = list[list.length - 1]?.ts;
    if (last) (marks.get(me.id) ?? marks.set(me.id, new Map()).get(me.id)!).set(open.id, last);
  }
  const item = (c: Channel): SidebarItem => ({
    id: c.id,
    label: channelLabel(slack, c),
    private: c.is_private,
    unread: open?.id === c.id && !q.home ? 0 : unread(slack, me.id, c, marks, since),
  });
  const state: ScreenState = {
    me: { id: me.id, name: me.name, realName: me.real_name },
    people: slack
      .users()
      .filter((u) => !u.is_bot && !u.deleted)
      .map((u) => ({ id: u.id, name: u.name, realName: u.real_name, title: u.profile.title })),
    channels: visible
      .filter((c) => !c.is_im)
      .sort((a, b) => a.name.localeCompare(b.name))
      .map(item),
    dms: visible.filter((c) => c.is_im).map(item),
    messages: [],
  };
  if (q.home) {
    const home = slack.homeView(me.id);
    if (home) state.home = { id: home.id, hash: home.hash, html: viewHtml(slack, home) };
  } else if (open) {
    const ctx = blockContext(slack);
    state.channel = {
      id: open.id,
      label: channelLabel(slack, open),
      topic: mrkdwnToHtml(open.topic.value, ctx.names),
      purpose: mrkdwnToHtml(open.purpose.value, ctx.names),
      members: open.members.length,
      pins: slack
        .pins(open.id)
        .map((ts) => slack.message(open.id, ts))
        .filter((m): m is Message => m !== undefined)
        .map((m) => ({ key: m.ts, html: escapeHtml(m.text.slice(0, 120)) })),
      bookmarks: slack.bookmarks(open.id).map((b) => ({
        key: b.id,
        html: /^https?:/i.test(b.link)
          ? `<a href="${escapeHtml(b.link)}" target="_blank" rel="noopener noreferrer">${plainToHtml(b.title)}</a>`
          : plainToHtml(b.title),
      })),
    };
    state.messages = timeline(slack, me.id, open);
    if (q.thread && slack.message(open.id, q.thread)) state.thread = { ts: q.thread, messages: timeline(slack, me.id, open, q.thread) };
  }
  const modal = topModal(slack.workspace, me.id);
  if (modal)
    state.modal = {
      id: modal.id,
      hash: modal.hash,
      title: plainToHtml(plain(modal.title)),
      submit: plain(modal.submit) ? plainToHtml(plain(modal.submit)) : '',
      close: plainToHtml(plain(modal.close) || 'Cancel'),
      html: viewHtml(slack, modal),
    };
  return state;
}
