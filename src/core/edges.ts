import { z } from 'zod';
import type { ButtonSpec } from './blocks.js';
import { assertPermission, type Access, type Reply } from './commands/spec.js';
import type { Codec } from './codec.js';
import type { ActionContext, ActionHandler, ShortcutContext, ShortcutHandler, ViewHandler, ViewResult, ViewSubmission } from './module.js';
import type { ModalView } from './ports/chat.js';

export { compact, json, text, type Codec } from './codec.js';

/**
 * Typed edges for buttons, modals and shortcuts, like `defineCommand` for slash commands: a
 * button's value and a modal's private metadata are encoded and decoded by the codec
 * (src/core/codec.ts) declared with the action or view. The builders here call `encode`; the
 * edge pipeline (src/core/pipeline.ts) calls `decode` before the handler runs, so a handler only
 * ever sees a typed value, and a forged or garbled one is a UsageError answer that is audited.
 */

/** Slack's limits: a button value holds 2000 characters, a modal's private_metadata 3000. */
const BUTTON_MAX = 2000;
const METADATA_MAX = 3000;

function encodeWithin<T>(codec: Codec<T>, v: T, max: number, what: string): string {
  const s = codec.encode(v);
  if (s.length > max) throw new Error(`${what} encodes to ${s.length} characters; Slack keeps ${max}`);
  return s;
}

type ActionSpec<T> = { handle(ctx: ActionContext<T>): Promise<Reply | void> } & Access;

export interface ActionDef<T> {
  readonly id: string;
  readonly value: Codec<T>;
  /** A button pressing this action with `value`, encoded here (never by hand). */
  button(b: Omit<ButtonSpec, 'actionId' | 'value'> & { value: T }): ButtonSpec;
  /** The handler, given the decoded value as `ctx.value`; `permission` as for commands. */
  handler(spec: ActionSpec<T>): ActionHandler<T>;
}

/** A button (or select) action: its id and the codec of its value. */
export function defineAction<T>(def: { id: string; value: Codec<T> }): ActionDef<T> {
  if (def.id.includes('#')) throw new Error(`action id ${def.id}: '#' is reserved for the suffix of repeated buttons`);
  return {
    id: def.id,
    value: def.value,
    button: ({ value, ...b }) => ({ ...b, actionId: def.id, value: encodeWithin(def.value, value, BUTTON_MAX, `button ${def.id}`) }),
    handler(spec) {
      const h = { ...spec, actionId: def.id, value: def.value } as ActionHandler<T>;
      assertPermission(`button ${def.id}`, h);
      return h;
    },
  };
}

type ViewSpec<M, V> = { handle(ctx: ViewSubmission<M, V>): Promise<ViewResult> } & Access;

export interface ViewDef<M, V> {
  readonly id: string;
  /** The modal with `metadata` encoded into private_metadata (never by hand). */
  modal(view: Omit<ModalView, 'callbackId' | 'privateMetadata'> & { metadata: M }): ModalView;
  handler(spec: ViewSpec<M, V>): ViewHandler<M, V>;
}

/**
 * A modal submission: the codec of its private metadata and the zod schema of its input values
 * (by block id). Values that fail the schema keep the modal open with each issue's message under
 * its input, before the handler runs.
 */
export function defineView<M, V extends object>(def: { id: string; metadata: Codec<M>; values: z.ZodType<V> }): ViewDef<M, V> {
  return {
    id: def.id,
    modal: ({ metadata, ...view }) => ({
      ...view,
      callbackId: def.id,
      privateMetadata: encodeWithin(def.metadata, metadata, METADATA_MAX, `modal ${def.id}`),
    }),
    handler(spec) {
      const h = { ...spec, callbackId: def.id, metadata: def.metadata, values: def.values } as ViewHandler<M, V>;
      assertPermission(`modal ${def.id}`, h);
      return h;
    },
  };
}

/** A message shortcut; `permission` as for commands (what it changes, or readOnly). */
export function defineShortcut(spec: { id: string; handle(ctx: ShortcutContext): Promise<void> } & Access): ShortcutHandler {
  const { id, ...rest } = spec;
  const h = { ...rest, callbackId: id } as ShortcutHandler;
  assertPermission(`shortcut ${id}`, h);
  return h;
}

/** A submission's schema issues as Slack's `response_action: errors`: the first message of each input, by block id. */
export function formErrors(error: z.ZodError): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const issue of error.issues) {
    const key = String(issue.path[0] ?? '');
    if (key && !errors[key]) errors[key] = issue.message;
  }
  return errors;
}

/**
 * Input schemas for `defineView` values (the transport gives text, option value(s) or user(s) by block id).
 * A text input: trimmed, '' when left empty.
 */
export const formText = z.preprocess((v) => (Array.isArray(v) ? v.join('\n') : typeof v === 'string' ? v : '').trim(), z.string());
/** A multi-select: always a list. */
export const formList = z.preprocess((v) => (Array.isArray(v) ? v : typeof v === 'string' && v ? [v] : []), z.array(z.string()));
