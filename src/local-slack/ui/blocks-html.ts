// Block Kit -> HTML for the browser page, for every block and element Switchyard sends. Interactive
// elements carry data-* attributes the page script reads; the message or view around them says
// where a press goes. All text passes through mrkdwn.ts (escaped first).
import type { Block } from '../types.js';
import { optionsOf } from '../view-state.js';
import { inputHtml } from './inputs-html.js';
import { escapeHtml, mrkdwnToHtml, plainToHtml } from './mrkdwn.js';
import { textHtml } from './text-html.js';
import type { BlockContext } from './text-html.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const attr = (v: unknown) => escapeHtml(String(v ?? ''));

/** Slack's confirmation dialog, kept in a <template> the page clones when the button is pressed. */
function confirmHtml(c: unknown, ctx: BlockContext): string {
  if (!isObj(c)) return '';
  const style = c.style === 'danger' ? 'danger' : 'primary';
  return (
    `<template class="confirm"><div class="dialog" role="dialog" aria-modal="true">` +
    `<h3>${textHtml(c.title, ctx) || 'Are you sure?'}</h3><div class="dialog-text">${textHtml(c.text, ctx)}</div>` +
    `<div class="dialog-buttons"><button class="btn" data-dialog="deny">${textHtml(c.deny, ctx) || 'Cancel'}</button>` +
    `<button class="btn ${style}" data-dialog="confirm">${textHtml(c.confirm, ctx) || 'Yes'}</button></div></div></template>`
  );
}

function buttonHtml(el: Obj, blockId: string, ctx: BlockContext): string {
  const style = el.style === 'primary' || el.style === 'danger' ? ` ${el.style}` : '';
  const value = el.value !== undefined ? ` data-value="${attr(el.value)}"` : '';
  const url = typeof el.url === 'string' && /^https?:/i.test(el.url) ? ` data-url="${attr(el.url)}"` : '';
  return (
    `<span class="button-wrap"><button class="btn${style}" data-press data-action-id="${attr(el.action_id)}" ` +
    `data-block-id="${attr(blockId)}"${value}${url}>${textHtml(el.text, ctx)}${url ? ' ↗' : ''}</button>` +
    `${confirmHtml(el.confirm, ctx)}</span>`
  );
}

/** A select outside a modal input: shown as Slack shows it; the local workspace sends no block_actions for it. */
function selectHtml(el: Obj, ctx: BlockContext): string {
  const type = String(el.type);
  const placeholder = textHtml(el.placeholder, ctx) || 'Select an item';
  const opts = type.includes('user')
    ? ctx.people.map((p) => ({ value: p.id, label: escapeHtml(p.name) }))
    : optionsOf(el).map((o) => ({ value: String(o.value), label: textHtml(o.text, ctx) }));
  const initial = isObj(el.initial_option) ? String(el.initial_option.value) : String(el.initial_user ?? '');
  return (
    `<select class="select" disabled title="Selects outside a modal are shown, not sent, by the local workspace">` +
    `<option value="">${placeholder}</option>` +
    opts.map((o) => `<option value="${attr(o.value)}"${o.value === initial ? ' selected' : ''}>${o.label}</option>`).join('') +
    `</select>`
  );
}

function overflowHtml(el: Obj, ctx: BlockContext): string {
  const items = optionsOf(el).map((o) => `<li>${textHtml(o.text, ctx)}</li>`);
  return `<details class="overflow"><summary class="btn" aria-label="More actions">⋯</summary><ul>${items.join('')}</ul></details>`;
}

function imageHtml(url: unknown, alt: unknown, cls: string): string {
  if (typeof url !== 'string' || !/^https?:/i.test(url)) return `<span class="${cls} missing">${escapeHtml(String(alt ?? ''))}</span>`;
  return `<img class="${cls}" src="${attr(url)}" alt="${attr(alt)}" loading="lazy">`;
}

export function elementHtml(el: unknown, blockId: string, ctx: BlockContext): string {
  if (!isObj(el)) return '';
  const type = String(el.type);
  if (type === 'button') return buttonHtml(el, blockId, ctx);
  if (type === 'image') return imageHtml(el.image_url, el.alt_text, 'ctx-image');
  if (type === 'plain_text' || type === 'mrkdwn') return `<span class="ctx-text">${textHtml(el, ctx)}</span>`;
  if (type === 'overflow') return overflowHtml(el, ctx);
  if (type.endsWith('select')) return selectHtml(el, ctx);
  if (type === 'datepicker') return `<input type="date" disabled value="${attr(el.initial_date)}">`;
  return `<span class="unknown">[${escapeHtml(type)}]</span>`;
}

function richTextHtml(el: unknown, ctx: BlockContext): string {
  if (!isObj(el)) return '';
  const kids = (Array.isArray(el.elements) ? el.elements : []).map((k) => richTextHtml(k, ctx)).join('');
  const style = isObj(el.style) ? el.style : {};
  switch (el.type) {
    case 'rich_text_section':
      return `<div>${kids}</div>`;
    case 'rich_text_list':
      return el.style === 'ordered' ? `<ol>${kids}</ol>` : `<ul>${kids}</ul>`;
    case 'rich_text_preformatted':
      return `<pre>${kids}</pre>`;
    case 'rich_text_quote':
      return `<blockquote>${kids}</blockquote>`;
    case 'text': {
      let t = escapeHtml(String(el.text ?? ''));
      if (style.code) t = `<code>${t}</code>`;
      if (style.bold) t = `<b>${t}</b>`;
      if (style.italic) t = `<em>${t}</em>`;
      if (style.strike) t = `<s>${t}</s>`;
      return t;
    }
    case 'link':
      return mrkdwnToHtml(`<${String(el.url)}${el.text ? `|${String(el.text)}` : ''}>`, ctx.names);
    case 'user':
      return mrkdwnToHtml(`<@${String(el.user_id)}>`, ctx.names);
    case 'channel':
      return mrkdwnToHtml(`<#${String(el.channel_id)}>`, ctx.names);
    case 'emoji':
      return plainToHtml(`:${String(el.name)}:`);
    default:
      return '';
  }
}

function blockHtml(b: Block, ctx: BlockContext): string {
  const blockId = String(b.block_id ?? '');
  const wrap = (cls: string, inner: string) => `<div class="block ${cls}" data-block-id="${attr(blockId)}">${inner}</div>`;
  const elements = Array.isArray(b.elements) ? b.elements : [];
  switch (b.type) {
    case 'header':
      return wrap('b-header', textHtml(b.text, ctx));
    case 'section': {
      const text = b.text ? `<div class="section-text">${textHtml(b.text, ctx)}</div>` : '';
      const fields = Array.isArray(b.fields)
        ? `<div class="fields">${b.fields.map((f) => `<div class="field">${textHtml(f, ctx)}</div>`).join('')}</div>`
        : '';
      const accessory = b.accessory ? `<div class="accessory">${elementHtml(b.accessory, blockId, ctx)}</div>` : '';
      return wrap('b-section', `<div class="section-main">${text}${fields}</div>${accessory}`);
    }
    case 'context':
      return wrap('b-context', elements.map((e) => elementHtml(e, blockId, ctx)).join(''));
    case 'divider':
      return wrap('b-divider', '<hr>');
    case 'actions':
      return wrap('b-actions', elements.map((e) => elementHtml(e, blockId, ctx)).join(''));
    case 'image': {
      const title = b.title ? `<div class="image-title">${textHtml(b.title, ctx)}</div>` : '';
      return wrap('b-image', `${title}${imageHtml(b.image_url, b.alt_text, 'block-image')}`);
    }
    case 'input':
      return wrap('b-input', inputHtml(b, ctx));
    case 'rich_text':
      return wrap('b-rich', elements.map((e) => richTextHtml(e, ctx)).join(''));
    case 'markdown':
      return wrap('b-section', mrkdwnToHtml(String(b.text ?? ''), ctx.names));
    default:
      return wrap('b-unknown', `[${escapeHtml(String(b.type))} block]`);
  }
}

export function blocksHtml(blocks: Block[], ctx: BlockContext): string {
  return blocks.map((b) => blockHtml(b, ctx)).join('');
}

export type { BlockContext };
