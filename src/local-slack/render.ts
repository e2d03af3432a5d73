// Block Kit -> readable terminal text. mrkdwn markers (*bold*, _italic_, `code`) are kept; Slack's
// <@U…>, <#C…|name>, <!subteam^…>, <url|label> escapes are made readable.
import type { Block } from './types.js';

type Obj = Record<string, unknown>;

export interface RenderedButton {
  n: number;
  blockId: string;
  actionId: string;
  value?: string;
  text: string;
  url?: string;
}

export interface RenderedInput {
  n: number;
  blockId: string;
  actionId: string;
  type: string;
  label: string;
  optional: boolean;
  element: Obj;
}

export interface RenderOptions {
  /** id -> display handle (without "@"). */
  resolveUser?: (id: string) => string | undefined;
  /** id -> channel name (without "#"). */
  resolveChannel?: (id: string) => string | undefined;
  /** When given, buttons are numbered from buttons.length + 1 and appended here. */
  buttons?: RenderedButton[];
  /** When given, inputs are numbered from inputs.length + 1 and appended here (modals). */
  inputs?: RenderedInput[];
  /** Current input values shown next to inputs, keyed "blockId.actionId". */
  values?: Record<string, string>;
  /** Prefix for every line (default ""). */
  indent?: string;
  /** Put before each button's number: "12." shows "[12.1 Approve]" (the console's message.button address). */
  buttonPrefix?: string;
}

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Slack mrkdwn escapes -> readable text. */
export function formatText(text: string, opts: RenderOptions = {}): string {
  return text
    .replace(/<([^<>]+)>/g, (_all, inner: string) => {
      const [target = '', label] = inner.split('|', 2) as [string, string | undefined];
      if (target.startsWith('@')) return `@${label ?? opts.resolveUser?.(target.slice(1)) ?? target.slice(1)}`;
      if (target.startsWith('#')) return `#${label ?? opts.resolveChannel?.(target.slice(1)) ?? target.slice(1)}`;
      if (target.startsWith('!subteam^')) return label ?? `@${target.slice(9)}`;
      if (target.startsWith('!date^')) return label ?? target;
      if (target.startsWith('!')) return `@${target.slice(1)}`;
      return label ? `${label} (${target})` : target;
    })
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

function textOf(t: unknown, opts: RenderOptions): string {
  if (!isObj(t) || typeof t.text !== 'string') return '';
  return t.type === 'mrkdwn' ? formatText(t.text, opts) : t.text;
}

function element(el: unknown, blockId: string, opts: RenderOptions): string {
  if (!isObj(el)) return '';
  const type = String(el.type);
  switch (type) {
    case 'button': {
      const label = textOf(el.text, opts);
      const url = typeof el.url === 'string' ? el.url : undefined;
      if (!opts.buttons) return `[${label}${url ? ' ↗' : ''}]`;
      const n = opts.buttons.length + 1;
      opts.buttons.push({
        n,
        blockId,
        actionId: String(el.action_id ?? ''),
        text: label,
        ...(typeof el.value === 'string' ? { value: el.value } : {}),
        ...(url ? { url } : {}),
      });
      return `[${opts.buttonPrefix ?? ''}${n} ${label}${url ? ' ↗' : ''}]`;
    }
    case 'image':
      return `[image: ${String(el.alt_text ?? '')}]`;
    case 'plain_text':
    case 'mrkdwn':
      return textOf(el, opts);
    case 'overflow':
      return '[⋯]';
    default: {
      const placeholder = textOf(el.placeholder, opts);
      if (type.endsWith('_input')) return placeholder ? `______ (${placeholder})` : '______';
      return `[${placeholder || type.replace(/_/g, ' ')} ▾]`;
    }
  }
}

function richText(el: unknown, opts: RenderOptions): string {
  if (!isObj(el)) return '';
  const kids = Array.isArray(el.elements) ? el.elements : [];
  switch (el.type) {
    case 'rich_text_section':
      return kids.map((k) => richText(k, opts)).join('');
    case 'rich_text_list':
      return kids.map((k) => `• ${richText(k, opts)}`).join('\n');
    case 'rich_text_preformatted':
      return `\`\`\`${kids.map((k) => richText(k, opts)).join('')}\`\`\``;
    case 'rich_text_quote':
      return `> ${kids.map((k) => richText(k, opts)).join('')}`;
    case 'text':
      return String(el.text ?? '');
    case 'link':
      return el.text ? `${String(el.text)} (${String(el.url)})` : String(el.url);
    case 'user':
      return `@${opts.resolveUser?.(String(el.user_id)) ?? String(el.user_id)}`;
    case 'channel':
      return `#${opts.resolveChannel?.(String(el.channel_id)) ?? String(el.channel_id)}`;
    case 'emoji':
      return `:${String(el.name)}:`;
    default:
      return '';
  }
}

function input(b: Obj, opts: RenderOptions): string {
  const el = isObj(b.element) ? b.element : {};
  const blockId = String(b.block_id ?? '');
  const actionId = String(el.action_id ?? '');
  const label = textOf(b.label, opts);
  const optional = b.optional === true;
  let prefix = '';
  if (opts.inputs) {
    const n = opts.inputs.length + 1;
    opts.inputs.push({ n, blockId, actionId, type: String(el.type), label, optional, element: el });
    prefix = `<${n}> `;
  }
  const value = opts.values?.[`${blockId}.${actionId}`];
  const shown = value !== undefined ? value : `${element(el, blockId, { ...opts, buttons: undefined })}`;
  const options = [
    ...(Array.isArray(el.options) ? el.options : []),
    ...(Array.isArray(el.option_groups) ? el.option_groups.flatMap((g) => (isObj(g) && Array.isArray(g.options) ? g.options : [])) : []),
  ];
  const lines = [`${prefix}${label}${optional ? ' (optional)' : ''}: ${shown}`];
  if (options.length)
    lines.push(`    options: ${options.map((o, i) => `${i + 1}) ${textOf(isObj(o) ? o.text : undefined, opts)}`).join('  ')}`);
  if (b.hint) lines.push(`    ${textOf(b.hint, opts)}`);
  return lines.join('\n');
}

function block(b: Obj, opts: RenderOptions): string {
  const blockId = String(b.block_id ?? '');
  switch (b.type) {
    case 'header':
      return `== ${textOf(b.text, opts)} ==`;
    case 'section': {
      const lines: string[] = [];
      if (b.text) lines.push(textOf(b.text, opts));
      if (Array.isArray(b.fields)) lines.push(...b.fields.map((f) => `  ${textOf(f, opts).replace(/\n/g, ' ')}`));
      if (b.accessory) lines.push(element(b.accessory, blockId, opts));
      return lines.join('\n');
    }
    case 'context':
      return `› ${(Array.isArray(b.elements) ? b.elements : []).map((e) => element(e, blockId, opts)).join('  ')}`;
    case 'divider':
      return '────────────────────';
    case 'actions':
      return (Array.isArray(b.elements) ? b.elements : []).map((e) => element(e, blockId, opts)).join(' ');
    case 'image':
      return `[image: ${String(b.alt_text ?? '')}]${b.title ? ` ${textOf(b.title, opts)}` : ''}`;
    case 'input':
      return input(b, opts);
    case 'rich_text':
      return (Array.isArray(b.elements) ? b.elements : []).map((e) => richText(e, opts)).join('\n');
    case 'markdown':
      return formatText(String(b.text ?? ''), opts);
    case 'video':
      return `[video: ${textOf(b.title, opts)}]`;
    default:
      return `[${String(b.type)} block]`;
  }
}

/** Render blocks as plain text lines; buttons numbered "[1 Approve] [2 Reject]" when opts.buttons is given. */
export function renderBlocks(blocks: Block[], opts: RenderOptions = {}): string {
  const indent = opts.indent ?? '';
  return blocks
    .map((b) => block(b, opts))
    .filter((s) => s !== '')
    .join('\n')
    .split('\n')
    .map((l) => indent + l)
    .join('\n');
}
