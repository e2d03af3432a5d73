import { randomBytes } from 'node:crypto';

import type { Block, MessageContent } from './message-types.js';
import type { SecretRegistry } from './mask.js';

/**
 * The one way out to Slack: what makes user text inert and secrets masked, whatever path the text
 * took through the domain.
 *
 * Slack turns `<...>` into control sequences: `<!channel>`, `<!here>`, `<!subteam^S1>`, `<@U1>`,
 * `<#C1>` and `<https://x|label>`. The bot means to make a few of those (a commander's mention, a
 * link to the run); people and outside systems must never make any. So the markup the bot means is
 * built by the builders below, which tag it with a marker no input can carry (a random value of
 * this process), and the boundary (`toSlackText`) escapes every `<` that is not tagged. Forgetting
 * to escape a user's text is therefore harmless; forgetting to use a builder only shows a mention
 * as text.
 */
let MARK = `\uE000${randomBytes(8).toString('hex')}`;
let TRUSTED = trustedPattern();
/** Markers of another installation, or forged ones: removed, never trusted. */
const ANY_MARK = /\uE000[0-9a-f]{16}/g;

function trustedPattern(): RegExp {
  return new RegExp(`${MARK}(<[^<>\\n]*>)`, 'g');
}

/** This process's marker, to share with the other processes of one installation. */
export const outboundMark = (): string => MARK;

/**
 * Every process of an installation uses the marker stored in Redis (the first process to start
 * chooses it), so text stored by one process with the bot's mentions in it (a timeline entry, a
 * run's reason) keeps them when another renders it. Call at start-up, before anything renders.
 */
export function adoptOutboundMark(mark: string): void {
  if (!/^\uE000[0-9a-f]{16}$/.test(mark)) throw new Error('malformed outbound marker');
  MARK = mark;
  TRUSTED = trustedPattern();
}

const trusted = (markup: string): string => `${MARK}${markup}`;
const ID = /^[A-Z0-9]+$/;

/** Markup around an id, or (for anything that is not a Slack id, e.g. `alertmanager`) plain text. */
const idMarkup = (prefix: string, id: string | undefined, fallback: string): string =>
  id === undefined ? 'someone' : ID.test(id) ? trusted(`<${prefix}${id}>`) : `${fallback}${id}`;

/** A mention of a user the bot resolved (never of a name a person typed). */
export const mention = (userId: string | undefined): string => idMarkup('@', userId, '@');
export const channelLink = (channelId: string | undefined): string => idMarkup('#', channelId, '#');
/** A user group mention (`@sre`), for groups named in configuration. */
export const subteam = (groupId: string | undefined): string => idMarkup('!subteam^', groupId, '@');

/**
 * A time shown in each reader's own time zone (`<!date^…>`); `fallback` is what clients that cannot
 * format it show. Built here because the boundary escapes any `<` it did not make.
 */
export function slackDate(epochMs: number, fallback: string): string {
  const label = fallback.replace(/[<>|]/g, '');
  return trusted(`<!date^${Math.floor(epochMs / 1000)}^{date_short} {time}|${label}>`);
}

/**
 * A link with a label. The URL comes from configuration or a backend; the label may be anybody's
 * text, so neither may close the sequence early (`|` and `>` would let a label or URL forge another).
 */
export function link(url: string, label?: string): string {
  // Slack wants `&` escaped inside links too; an entity already escaped is left alone.
  const amp = (t: string) => t.replace(/&(?!amp;|lt;|gt;)/g, '&amp;');
  const safeUrl = amp(url.replace(/[<>|\s]/g, (c) => encodeURIComponent(c)));
  if (!/^(https?|mailto|slack):/i.test(safeUrl)) return label ?? url;
  const safeLabel = label === undefined ? undefined : amp(label).replace(/[<>|]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '|': '¦' })[c]!);
  return trusted(safeLabel ? `<${safeUrl}|${safeLabel}>` : `<${safeUrl}>`);
}

/**
 * Text as Slack will receive it: the bot's own markup kept, every other `<` escaped (so a person's
 * `<!channel>` shows as text), and the markers removed. Idempotent on its own output.
 */
export function toSlackText(text: string): string {
  let out = '';
  let last = 0;
  for (const m of text.matchAll(TRUSTED)) {
    out += inert(text.slice(last, m.index));
    out += m[1]!;
    last = m.index + m[0].length;
  }
  return out + inert(text.slice(last));
}

function inert(text: string): string {
  return text
    .replace(ANY_MARK, '')
    .replace(/\uE000/g, '')
    .replace(/</g, '&lt;');
}

/**
 * Mrkdwn made of stored pieces (a run's reason, a stage's summary): the bot's own markup kept,
 * every other `&`, `<` and `>` escaped once (an entity already escaped is left alone).
 */
export function escapeUntrusted(text: string): string {
  const parts = text.split(new RegExp(`(${MARK}<[^<>\\n]*>|&(?:amp|lt|gt);)`));
  return parts
    .map((part, i) =>
      i % 2
        ? part
        : part
            .replace(ANY_MARK, '')
            .replace(/\uE000/g, '')
            .replace(/&/g, '&amp;')
            .replace(/</g, '&lt;')
            .replace(/>/g, '&gt;'),
    )
    .join('');
}

/** Plain text (plain_text objects, titles, the help desk): no markup at all, markers removed. */
export function toPlainText(text: string): string {
  return text
    .replace(TRUSTED, (_m, markup: string) => markup)
    .replace(ANY_MARK, '')
    .replace(/\uE000/g, '');
}

/**
 * Mrkdwn from a file reviewed like code (a runbook's instruction): its `<url|label>` links and its
 * `<#C…>`, `<@U…>`, `<!subteam^S…>` references are kept, each rebuilt by its builder; any other `<`
 * (`<!channel>`, a forged link) is escaped by the boundary like user text.
 */
export function reviewedMrkdwn(text: string): string {
  return text
    .replace(/<(https?:\/\/[^|>\s]+)(?:\|([^>]*))?>/g, (_m, url: string, label?: string) => link(url, label))
    .replace(/<#([CG][A-Z0-9]+)(?:\|[^>]*)?>/g, (_m, id: string) => channelLink(id))
    .replace(/<@([UW][A-Z0-9]+)(?:\|[^>]*)?>/g, (_m, id: string) => mention(id))
    .replace(/<!subteam\^(S[A-Z0-9]+)(?:\|[^>]*)?>/g, (_m, id: string) => subteam(id));
}

/**
 * Text that already went through `toSlackText` (and was stored, e.g. a timeline entry) holds no
 * `<` but the bot's own markup: trust it again for this process's boundary.
 */
export function trustSafe(safeText: string): string {
  return safeText.replace(/<([^<>\n]*)>/g, (_m, inner: string) => trusted(`<${inner}>`));
}

/** Walks Block Kit: mrkdwn text through toSlackText, plain_text through toPlainText, both masked. */
function outboundValue(value: unknown, mask: (s: string) => string): unknown {
  if (Array.isArray(value)) return value.map((v) => outboundValue(v, mask));
  if (!value || typeof value !== 'object') return value;
  const obj = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) {
    if (k === 'text' && typeof v === 'string') out[k] = mask(obj.type === 'plain_text' ? toPlainText(v) : toSlackText(v));
    else if ((k === 'initial_value' || k === 'alt_text') && typeof v === 'string') out[k] = mask(toPlainText(v));
    else out[k] = outboundValue(v, mask);
  }
  return out;
}

/** The boundary's transform, for the transport's replies and for SafeChat. */
export class OutboundFilter {
  constructor(private readonly secrets?: SecretRegistry) {}

  private mask = (text: string): string => (this.secrets ? this.secrets.mask(text) : text);

  text(text: string): string {
    return this.mask(toSlackText(text));
  }

  plain(text: string): string {
    return this.mask(toPlainText(text));
  }

  blocks(blocks: Block[]): Block[] {
    return outboundValue(blocks, this.mask) as Block[];
  }

  content<T extends MessageContent>(content: T): T {
    return { ...content, text: this.text(content.text), ...(content.blocks ? { blocks: this.blocks(content.blocks) } : {}) };
  }

  /** Escaped but not masked: for the one answer that reveals a secret to the person who asked. */
  revealed<T extends MessageContent>(content: T): T {
    return {
      ...content,
      text: toSlackText(content.text),
      ...(content.blocks ? { blocks: outboundValue(content.blocks, (s) => s) as Block[] } : {}),
    };
  }
}
