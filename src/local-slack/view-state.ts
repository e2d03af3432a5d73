// Builds view.state.values in Slack's shape from simple block_id -> action_id -> value(s) maps.
import type { Block, View } from './types.js';

type Obj = Record<string, unknown>;
export type InputValues = Record<string, Record<string, string | string[]>>;

export interface InputField {
  blockId: string;
  actionId: string;
  type: string;
  label: string;
  optional: boolean;
  element: Obj;
}

const textOf = (t: unknown): string =>
  t && typeof t === 'object' && typeof (t as Obj).text === 'string' ? ((t as Obj).text as string) : '';

/** Inputs of a view in display order: input blocks, plus selects/pickers inside actions blocks. */
export function viewInputs(blocks: Block[]): InputField[] {
  const out: InputField[] = [];
  for (const b of blocks) {
    const blockId = String(b.block_id ?? '');
    if (b.type === 'input' && b.element && typeof b.element === 'object') {
      const el = b.element as Obj;
      out.push({
        blockId,
        actionId: String(el.action_id ?? ''),
        type: String(el.type),
        label: textOf(b.label),
        optional: b.optional === true,
        element: el,
      });
    } else if (b.type === 'actions' && Array.isArray(b.elements)) {
      for (const el of b.elements as Obj[]) {
        if (el.type === 'button' || el.type === 'overflow') continue;
        const label = textOf(el.placeholder) || String(el.action_id);
        out.push({ blockId, actionId: String(el.action_id ?? ''), type: String(el.type), label, optional: true, element: el });
      }
    }
  }
  return out;
}

/** Every option of a select/checkbox element (option_groups flattened). */
export function optionsOf(el: Obj): Obj[] {
  const opts = Array.isArray(el.options) ? (el.options as Obj[]) : [];
  const groups = Array.isArray(el.option_groups) ? (el.option_groups as Obj[]) : [];
  return [...opts, ...groups.flatMap((g) => (Array.isArray(g.options) ? (g.options as Obj[]) : []))];
}

function findOption(field: InputField, value: string): Obj {
  const opt = optionsOf(field.element).find((o) => o.value === value);
  if (opt) return opt;
  if (field.type.includes('external')) return { text: { type: 'plain_text', text: value }, value };
  const known = optionsOf(field.element)
    .map((o) => String(o.value))
    .join(', ');
  throw new Error(`input ${field.blockId}/${field.actionId}: no option with value "${value}" (options: ${known})`);
}

function initial(field: InputField): Obj | undefined {
  const el = field.element;
  const t = field.type;
  const has = (k: string) => el[k] !== undefined;
  if (['plain_text_input', 'email_text_input', 'url_text_input', 'number_input'].includes(t) && has('initial_value'))
    return { value: el.initial_value };
  if (has('initial_option')) return { selected_option: el.initial_option };
  if (has('initial_options')) return { selected_options: el.initial_options };
  if (has('initial_user')) return { selected_user: el.initial_user };
  if (has('initial_users')) return { selected_users: el.initial_users };
  if (has('initial_conversation')) return { selected_conversation: el.initial_conversation };
  if (has('initial_conversations')) return { selected_conversations: el.initial_conversations };
  if (has('initial_channel')) return { selected_channel: el.initial_channel };
  if (has('initial_channels')) return { selected_channels: el.initial_channels };
  if (has('initial_date')) return { selected_date: el.initial_date };
  if (has('initial_time')) return { selected_time: el.initial_time };
  return undefined;
}

function empty(t: string): Obj {
  if (t.startsWith('multi_') || t === 'checkboxes') {
    const key = t.includes('user')
      ? 'selected_users'
      : t.includes('conversation')
        ? 'selected_conversations'
        : t.includes('channel')
          ? 'selected_channels'
          : 'selected_options';
    return { [key]: [] };
  }
  if (t.endsWith('select') || t === 'radio_buttons') {
    const key = t.includes('user')
      ? 'selected_user'
      : t.includes('conversation')
        ? 'selected_conversation'
        : t.includes('channel')
          ? 'selected_channel'
          : 'selected_option';
    return { [key]: null };
  }
  if (t === 'datepicker') return { selected_date: null };
  if (t === 'timepicker') return { selected_time: null };
  return { value: null };
}

function shape(field: InputField, v: string | string[]): Obj {
  const arr = Array.isArray(v) ? v : [v];
  const one = arr[0] ?? '';
  switch (field.type) {
    case 'static_select':
    case 'external_select':
    case 'radio_buttons':
      return { selected_option: findOption(field, one) };
    case 'multi_static_select':
    case 'multi_external_select':
    case 'checkboxes':
      return { selected_options: arr.map((x) => findOption(field, x)) };
    case 'users_select':
      return { selected_user: one };
    case 'multi_users_select':
      return { selected_users: arr };
    case 'conversations_select':
      return { selected_conversation: one };
    case 'multi_conversations_select':
      return { selected_conversations: arr };
    case 'channels_select':
      return { selected_channel: one };
    case 'multi_channels_select':
      return { selected_channels: arr };
    case 'datepicker':
      return { selected_date: one };
    case 'timepicker':
      return { selected_time: one };
    case 'datetimepicker':
      return { selected_date_time: Number(one) };
    default:
      return { value: Array.isArray(v) ? v.join(',') : v };
  }
}

const isEmpty = (o: Obj) => Object.values(o).every((x) => x === null || x === '' || (Array.isArray(x) && x.length === 0));

/**
 * state.values for a submission. Throws (like the Slack client refusing to submit) on unknown
 * block/action ids or an empty required input.
 */
export function buildStateValues(view: Pick<View, 'blocks'>, values: InputValues): Record<string, Record<string, Obj>> {
  const fields = viewInputs(view.blocks);
  for (const [blockId, actions] of Object.entries(values)) {
    for (const actionId of Object.keys(actions)) {
      if (!fields.some((f) => f.blockId === blockId && f.actionId === actionId)) {
        const known = fields.map((f) => `${f.blockId}.${f.actionId}`).join(', ');
        throw new Error(`view has no input ${blockId}.${actionId} (inputs: ${known || 'none'})`);
      }
    }
  }
  const out: Record<string, Record<string, Obj>> = {};
  for (const f of fields) {
    const given = values[f.blockId]?.[f.actionId];
    const body = given !== undefined && given !== '' ? shape(f, given) : (initial(f) ?? empty(f.type));
    if (!f.optional && isEmpty(body)) throw new Error(`required input "${f.label || f.blockId}" (${f.blockId}.${f.actionId}) is empty`);
    (out[f.blockId] ??= {})[f.actionId] = { type: f.type, ...body };
  }
  return out;
}
