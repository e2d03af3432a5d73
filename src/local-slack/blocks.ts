// A modest Block Kit validator: the limits a bot most often trips over in real Slack, reported the way
// Slack does (`invalid_blocks` + response_metadata.messages with a json-pointer).
import { ApiError } from './types.js';
import type { Block } from './types.js';

const KNOWN = new Set([
  'section',
  'header',
  'context',
  'divider',
  'actions',
  'image',
  'input',
  'rich_text',
  'file',
  'video',
  'markdown',
  'table',
]);
const TEXT_ELEMENTS = new Set(['plain_text', 'mrkdwn']);

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Decode a `blocks` argument (JSON string from a form post, or an array from a JSON post). */
export function decodeBlocks(value: unknown, errorCode = 'invalid_blocks_format'): Block[] | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  let v = value;
  if (typeof v === 'string') {
    try {
      v = JSON.parse(v);
    } catch {
      throw new ApiError(errorCode, ['[ERROR] blocks is not valid JSON']);
    }
  }
  if (!Array.isArray(v) || !v.every(isObj)) throw new ApiError(errorCode, ['[ERROR] blocks must be an array of objects']);
  return v as Block[];
}

export function validateBlocks(blocks: Block[], surface: 'message' | 'modal' | 'home', base = '/blocks', code = 'invalid_blocks'): void {
  const errors: string[] = [];
  const err = (msg: string, ptr: string) => errors.push(`[ERROR] ${msg} [json-pointer:${ptr}]`);
  const max = surface === 'message' ? 50 : 100;
  if (blocks.length > max) err(`no more than ${max} items allowed`, base);
  const blockIds = new Set<string>();

  const text = (t: unknown, ptr: string, maxLen: number, plainOnly = false) => {
    if (!isObj(t) || typeof t.text !== 'string' || !TEXT_ELEMENTS.has(String(t.type))) {
      err('must provide a text object', ptr);
      return;
    }
    if (plainOnly && t.type !== 'plain_text') err('must be a plain_text object', `${ptr}/type`);
    if (t.text.length > maxLen) err(`must be less than ${maxLen + 1} characters`, `${ptr}/text`);
    if (t.text.length === 0) err('must be more than 0 characters', `${ptr}/text`);
  };
  const element = (e: unknown, ptr: string, actionIds: Set<string>) => {
    if (!isObj(e) || typeof e.type !== 'string') return err('must provide an element object', ptr);
    if (typeof e.action_id === 'string') {
      if (e.action_id.length > 255) err('must be less than 256 characters', `${ptr}/action_id`);
      if (actionIds.has(e.action_id)) err(`duplicate action_id ${e.action_id}`, `${ptr}/action_id`);
      actionIds.add(e.action_id);
    }
    if (e.type === 'button') {
      text(e.text, `${ptr}/text`, 75, true);
      if (typeof e.value === 'string' && e.value.length > 2000) err('must be less than 2001 characters', `${ptr}/value`);
      if (typeof e.url === 'string' && e.url.length > 3000) err('must be less than 3001 characters', `${ptr}/url`);
      if (e.style !== undefined && e.style !== 'primary' && e.style !== 'danger') err('must be primary or danger', `${ptr}/style`);
    }
  };

  blocks.forEach((b, i) => {
    const ptr = `${base}/${i}`;
    const type = String(b.type);
    if (!KNOWN.has(type)) return err(`unsupported type: ${type}`, `${ptr}/type`);
    if (typeof b.block_id === 'string') {
      if (b.block_id.length > 255) err('must be less than 256 characters', `${ptr}/block_id`);
      if (blockIds.has(b.block_id)) err(`duplicate block_id ${b.block_id}`, `${ptr}/block_id`);
      blockIds.add(b.block_id);
    }
    const actionIds = new Set<string>();
    switch (type) {
      case 'section':
        if (b.text === undefined && b.fields === undefined) err('must provide either text or fields', ptr);
        if (b.text !== undefined) text(b.text, `${ptr}/text`, 3000);
        if (b.fields !== undefined) {
          if (!Array.isArray(b.fields) || b.fields.length > 10) err('fields: no more than 10 items allowed', `${ptr}/fields`);
          else b.fields.forEach((f, j) => text(f, `${ptr}/fields/${j}`, 2000));
        }
        if (b.accessory !== undefined) element(b.accessory, `${ptr}/accessory`, actionIds);
        break;
      case 'header':
        text(b.text, `${ptr}/text`, 150, true);
        break;
      case 'context':
        if (!Array.isArray(b.elements) || b.elements.length < 1 || b.elements.length > 10)
          err('elements: 1 to 10 items', `${ptr}/elements`);
        break;
      case 'actions':
        if (!Array.isArray(b.elements) || b.elements.length < 1 || b.elements.length > 25)
          err('elements: 1 to 25 items', `${ptr}/elements`);
        else b.elements.forEach((e, j) => element(e, `${ptr}/elements/${j}`, actionIds));
        break;
      case 'input':
        text(b.label, `${ptr}/label`, 2000, true);
        element(b.element, `${ptr}/element`, actionIds);
        break;
      default:
        break;
    }
  });
  if (errors.length) throw new ApiError(code, errors);
}

/** views.open/update/push/publish: the view argument, decoded and checked. */
export function decodeView(value: unknown, expectType: 'modal' | 'home' | 'any'): Obj {
  let v = value;
  if (typeof v === 'string') {
    try {
      v = JSON.parse(v);
    } catch {
      throw new ApiError('invalid_arguments', ['[ERROR] view is not valid JSON']);
    }
  }
  if (!isObj(v)) throw new ApiError('invalid_arguments', ['[ERROR] missing required field: view']);
  const errors: string[] = [];
  const type = v.type;
  if (type !== 'modal' && type !== 'home') errors.push('[ERROR] must be modal or home [json-pointer:/view/type]');
  else if (expectType !== 'any' && type !== expectType) errors.push(`[ERROR] must be ${expectType} [json-pointer:/view/type]`);
  if (type === 'modal') {
    if (!isObj(v.title) || typeof v.title.text !== 'string')
      errors.push('[ERROR] missing required field: title [json-pointer:/view/title]');
    else if (v.title.text.length > 24) errors.push('[ERROR] must be less than 25 characters [json-pointer:/view/title/text]');
    const hasInput = Array.isArray(v.blocks) && v.blocks.some((b) => isObj(b) && b.type === 'input');
    if (hasInput && !isObj(v.submit)) errors.push('[ERROR] submit is required when an input block is present [json-pointer:/view/submit]');
  }
  if (typeof v.private_metadata === 'string' && v.private_metadata.length > 3000)
    errors.push('[ERROR] must be less than 3001 characters [json-pointer:/view/private_metadata]');
  if (typeof v.callback_id === 'string' && v.callback_id.length > 255)
    errors.push('[ERROR] must be less than 256 characters [json-pointer:/view/callback_id]');
  if (!Array.isArray(v.blocks)) errors.push('[ERROR] missing required field: blocks [json-pointer:/view/blocks]');
  if (errors.length) throw new ApiError('invalid_arguments', errors);
  validateBlocks(v.blocks as Block[], type === 'home' ? 'home' : 'modal', '/view/blocks', 'invalid_arguments');
  return v;
}
