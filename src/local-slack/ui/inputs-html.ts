// Input blocks of modals as form controls. Each control carries data-input (block_id, action_id,
// type) so the page script can build view_submission values in the shape view-state.ts expects.
import type { Block } from '../types.js';
import { optionsOf } from '../view-state.js';
import { textHtml } from './text-html.js';
import type { BlockContext } from './text-html.js';
import { escapeHtml } from './mrkdwn.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const attr = (v: unknown) => escapeHtml(String(v ?? ''));

interface Choice {
  value: string;
  label: string;
}

function choices(el: Obj, ctx: BlockContext): Choice[] {
  const type = String(el.type);
  if (type.includes('user')) return ctx.people.map((p) => ({ value: p.id, label: escapeHtml(`@${p.name}`) }));
  if (type.includes('conversation') || type.includes('channel'))
    return ctx.channels.map((c) => ({ value: c.id, label: escapeHtml(`#${c.name}`) }));
  return optionsOf(el).map((o) => ({ value: String(o.value), label: textHtml(o.text, ctx) }));
}

function initialValues(el: Obj): string[] {
  const one = (o: unknown) => (isObj(o) ? String(o.value) : undefined);
  const list = (v: unknown) => (Array.isArray(v) ? v : []);
  const found = [
    one(el.initial_option),
    ...list(el.initial_options).map(one),
    el.initial_user,
    ...list(el.initial_users),
    el.initial_conversation,
    ...list(el.initial_conversations),
    el.initial_channel,
    ...list(el.initial_channels),
  ];
  return found.filter((v): v is string => typeof v === 'string');
}

function control(el: Obj, data: string, label: string, ctx: BlockContext): string {
  const type = String(el.type);
  const placeholder = el.placeholder ? ` placeholder="${attr((el.placeholder as Obj).text)}"` : '';
  const aria = ` aria-label="${attr(label)}"`;
  if (type === 'plain_text_input' || type === 'email_text_input' || type === 'url_text_input' || type === 'number_input') {
    const value = attr(el.initial_value);
    if (el.multiline === true) return `<textarea ${data}${aria}${placeholder} rows="4">${value}</textarea>`;
    const kind = type === 'number_input' ? 'number' : type === 'email_text_input' ? 'email' : type === 'url_text_input' ? 'url' : 'text';
    return `<input type="${kind}" ${data}${aria}${placeholder} value="${value}">`;
  }
  if (type === 'datepicker') return `<input type="date" ${data}${aria} value="${attr(el.initial_date)}">`;
  if (type === 'timepicker') return `<input type="time" ${data}${aria} value="${attr(el.initial_time)}">`;
  const initial = new Set(initialValues(el));
  const opts = choices(el, ctx);
  if (type === 'checkboxes' || type === 'radio_buttons') {
    const input = type === 'checkboxes' ? 'checkbox' : 'radio';
    const name = attr(`${String(el.action_id)}-${Math.random().toString(36).slice(2, 8)}`);
    return (
      `<div class="choices" ${data}${aria}>` +
      opts
        .map(
          (o) =>
            `<label><input type="${input}" name="${name}" value="${attr(o.value)}"` +
            `${initial.has(o.value) ? ' checked' : ''}> ${o.label}</label>`,
        )
        .join('') +
      `</div>`
    );
  }
  const multi = type.startsWith('multi_');
  const first = multi ? '' : `<option value="">${textHtml(el.placeholder, ctx) || 'Select an option'}</option>`;
  return (
    `<select ${data}${aria}${multi ? ' multiple' : ''}>${first}` +
    opts.map((o) => `<option value="${attr(o.value)}"${initial.has(o.value) ? ' selected' : ''}>${o.label}</option>`).join('') +
    `</select>`
  );
}

/** An input block: label (with "(optional)"), control, hint, and the error Slack shows under it. */
export function inputHtml(b: Block, ctx: BlockContext): string {
  const el = isObj(b.element) ? b.element : {};
  const blockId = String(b.block_id ?? '');
  const label = textHtml(b.label, ctx);
  const optional = b.optional === true;
  const data =
    `data-input data-block-id="${attr(blockId)}" data-action-id="${attr(el.action_id)}" ` +
    `data-type="${attr(el.type)}"${optional ? '' : ' data-required'}`;
  const plainLabel = isObj(b.label) ? String(b.label.text ?? '') : '';
  const hint = b.hint ? `<div class="hint">${textHtml(b.hint, ctx)}</div>` : '';
  const error = ctx.errors?.[blockId];
  return (
    `<label class="input-label">${label}${optional ? ' <span class="optional">(optional)</span>' : ''}</label>` +
    control(el, data, plainLabel, ctx) +
    hint +
    `<div class="input-error" data-error-for="${attr(blockId)}">${error ? escapeHtml(error) : ''}</div>`
  );
}
