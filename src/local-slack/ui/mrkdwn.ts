// Slack mrkdwn -> HTML for the browser page. Every piece of text is HTML-escaped before any markup
// is added, so nothing a person or the bot wrote can become a tag or an attribute.
import { get as emojiFor } from 'node-emoji';

export interface Names {
  /** id -> handle (without "@") */
  user(id: string): string | undefined;
  /** id -> channel name (without "#") */
  channel(id: string): string | undefined;
  /** id -> usergroup handle (without "@") */
  usergroup(id: string): string | undefined;
}

const HTML: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => HTML[c] ?? c);
}

/** Slack's own escapes in message text (&lt; &gt; &amp;) back to the characters they stand for. */
export function unescapeSlack(s: string): string {
  return s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

/** Slack's names for emoji newer than node-emoji's data (emojilib 2), or that Slack names its own way. */
const SLACK_NAMES: Record<string, string> = {
  large_green_circle: '🟢',
  large_orange_circle: '🟠',
  large_yellow_circle: '🟡',
  large_purple_circle: '🟣',
  large_brown_circle: '🟤',
  large_red_square: '🟥',
  large_green_square: '🟩',
  large_yellow_square: '🟨',
  double_vertical_bar: '⏸️',
  octagonal_sign: '🛑',
};

/** `:white_check_mark:` -> ✅ (unknown names stay as typed). Input and output are HTML-escaped text. */
export function emojify(escaped: string): string {
  return escaped.replace(/:([a-z0-9_+-]+):/g, (all, name: string) => SLACK_NAMES[name] ?? emojiFor(name) ?? all);
}

const SAFE_URL = /^(https?:|mailto:)/i;

function link(url: string, label: string | undefined): string {
  const text = escapeHtml(unescapeSlack(label ?? url));
  if (!SAFE_URL.test(url)) return text;
  return `<a href="${escapeHtml(unescapeSlack(url))}" target="_blank" rel="noopener noreferrer">${text}</a>`;
}

/** One `<…>` escape of Slack: mentions, channels, user groups, special mentions, dates, links. */
function special(inner: string, names: Names): string {
  const bar = inner.indexOf('|');
  const target = bar >= 0 ? inner.slice(0, bar) : inner;
  const label = bar >= 0 ? inner.slice(bar + 1) : undefined;
  const chip = (cls: string, text: string, attrs = '') => `<span class="${cls}"${attrs}>${escapeHtml(unescapeSlack(text))}</span>`;
  if (target.startsWith('@')) {
    const id = target.slice(1);
    return chip('mention', `@${names.user(id) ?? label ?? id}`, ` data-user="${escapeHtml(id)}"`);
  }
  if (target.startsWith('#')) {
    const id = target.slice(1);
    const name = names.channel(id) ?? label ?? id;
    return `<a class="channel-link" href="#" data-channel="${escapeHtml(id)}">#${escapeHtml(unescapeSlack(name))}</a>`;
  }
  if (target.startsWith('!subteam^')) {
    const id = target.slice('!subteam^'.length);
    const handle = names.usergroup(id);
    return chip('mention', handle ? `@${handle}` : (label ?? `@${id}`));
  }
  if (target.startsWith('!date^')) return escapeHtml(unescapeSlack(label ?? target));
  if (target.startsWith('!')) return chip('mention', `@${target.slice(1)}`);
  return link(target, label);
}

/** Inline formatting of one escaped line: bold, italic, strike, emoji. */
function inline(escaped: string): string {
  const around = (mark: string, tag: string, s: string) =>
    s.replace(
      new RegExp(`(^|[\\s(>\\uE000])\\${mark}(?=\\S)([^${mark}\\n]*?\\S)\\${mark}(?=$|[\\s).,!?:;<\\uE000])`, 'g'),
      `$1<${tag}>$2</${tag}>`,
    );
  return emojify(around('~', 's', around('_', 'em', around('*', 'b', escaped))));
}

interface Held {
  html: string[];
}

const hold = (held: Held, html: string) => `\uE000${held.html.push(html) - 1}\uE001`;
const release = (held: Held, s: string): string => s.replace(/\uE000(\d+)\uE001/g, (_a, n: string) => held.html[Number(n)] ?? '');

/** Lines -> HTML, grouping `>` quotes and `•`/`-`/`1.` lists. */
function lines(text: string): string {
  const out: string[] = [];
  let list: { tag: 'ul' | 'ol'; items: string[] } | undefined;
  let quote: string[] | undefined;
  const flush = () => {
    if (list) out.push(`<${list.tag}>${list.items.map((i) => `<li>${i}</li>`).join('')}</${list.tag}>`);
    if (quote) out.push(`<blockquote>${quote.join('<br>')}</blockquote>`);
    list = undefined;
    quote = undefined;
  };
  for (const raw of text.split('\n')) {
    const q = /^&gt;\s?(.*)$/.exec(raw);
    const bullet = /^\s*[•◦▪-]\s+(.*)$/.exec(raw);
    const numbered = /^\s*\d+[.)]\s+(.*)$/.exec(raw);
    if (q) {
      if (list) flush();
      (quote ??= []).push(inline(q[1] ?? ''));
    } else if (bullet || numbered) {
      const tag = bullet ? 'ul' : 'ol';
      if (quote || (list && list.tag !== tag)) flush();
      (list ??= { tag, items: [] }).items.push(inline((bullet ?? numbered)?.[1] ?? ''));
    } else {
      flush();
      out.push(`${inline(raw)}<br>`);
    }
  }
  flush();
  return out.join('').replace(/<br>$/, '');
}

/** Slack mrkdwn to safe HTML. */
export function mrkdwnToHtml(text: string, names: Names): string {
  const held: Held = { html: [] };
  let s = text.replace(/[\uE000\uE001]/g, '');
  s = s.replace(/```\n?([\s\S]*?)```/g, (_a, code: string) => hold(held, `<pre>${escapeHtml(unescapeSlack(code))}</pre>`));
  s = s.replace(/`([^`\n]+)`/g, (_a, code: string) => hold(held, `<code>${escapeHtml(unescapeSlack(code))}</code>`));
  s = s.replace(/<([^<>\n]+)>/g, (_a, inner: string) => hold(held, special(inner, names)));
  s = escapeHtml(unescapeSlack(s));
  return release(held, lines(s));
}

/** A plain_text object: escaped, with emoji shortcodes when `emoji` is not false. */
export function plainToHtml(text: string, emoji = true): string {
  const escaped = escapeHtml(text);
  return emoji ? emojify(escaped) : escaped;
}
