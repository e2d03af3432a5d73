import { assertPermission, type Reply } from './commands/spec.js';
import { formErrors } from './edges.js';
import { NotFoundError, UsageError } from './errors.js';
import type {
  ActionContext,
  ActionHandler,
  FormValues,
  ShortcutContext,
  ShortcutHandler,
  ViewHandler,
  ViewResult,
  ViewSubmission,
} from './module.js';
import { EdgePipeline, type PipelineDeps } from './pipeline.js';

type Inbound<C> = Omit<C, 'actor'> & { userId: string };

/**
 * Buttons, modal submissions, shortcuts and Slack events: find the handler and hand it to the
 * edge pipeline (src/core/pipeline.ts), which decodes the value or metadata, checks the role, runs
 * it once per delivery, audits it and turns errors into one ephemeral answer, as for commands.
 */
export class InteractionRouter {
  private readonly actions = new Map<string, ActionHandler>();
  private readonly views = new Map<string, ViewHandler>();
  private readonly shortcuts = new Map<string, ShortcutHandler>();
  private readonly pipeline: EdgePipeline;

  constructor(handlers: { actions: ActionHandler[]; views: ViewHandler[]; shortcuts: ShortcutHandler[] }, deps: PipelineDeps) {
    this.pipeline = new EdgePipeline(deps);
    for (const a of handlers.actions) {
      assertPermission(`button ${a.actionId}`, a);
      addUnique(this.actions, a.actionId, a, 'action');
    }
    for (const v of handlers.views) {
      assertPermission(`modal ${v.callbackId}`, v);
      addUnique(this.views, v.callbackId, v, 'view');
    }
    for (const s of handlers.shortcuts) {
      assertPermission(`shortcut ${s.callbackId}`, s);
      addUnique(this.shortcuts, s.callbackId, s, 'shortcut');
    }
  }

  actionIds(): string[] {
    return [...this.actions.keys()];
  }

  /** `dedupeKey` identifies one press (trigger id + action ts); a redelivery runs nothing. */
  async action(ctx: Inbound<ActionContext<string>> & { dedupeKey?: string }): Promise<Reply | null> {
    const base = ctx.actionId.split('#')[0]!;
    const handler = this.actions.get(base);
    const out = await this.pipeline.run({
      action: `button ${base}`,
      userId: ctx.userId,
      requestId: ctx.requestId,
      ...(ctx.channelId ? { channelId: ctx.channelId } : {}),
      target: ctx.value.slice(0, 120),
      ...(ctx.dedupeKey ? { dedupe: { scope: 'act', key: ctx.dedupeKey } } : {}),
      decode: () => {
        if (!handler) throw new NotFoundError('button', base);
        return { handler, value: handler.value.decode(ctx.value) };
      },
      access: ({ handler: h }) => ({ permission: h.permission, readOnly: h.readOnly === true, verb: 'press this button' }),
      handle: async ({ handler: h, value }, actor) => (await h.handle({ ...ctx, actionId: base, value, actor })) ?? null,
    });
    return out.kind === 'done' ? out.result : out.kind === 'failed' ? out.reply : null;
  }

  async view(ctx: Inbound<ViewSubmission<string, FormValues>>): Promise<ViewResult | { reply: Reply }> {
    const handler = this.views.get(ctx.callbackId);
    type Decoded = { handler: ViewHandler; metadata: unknown; values?: unknown; errors?: Record<string, string> };
    const out = await this.pipeline.run<Decoded, ViewResult>({
      action: `modal ${ctx.callbackId}`,
      userId: ctx.userId,
      requestId: ctx.requestId,
      // A resubmission after field errors comes with a new trigger id, so it is not a duplicate.
      ...(ctx.triggerId ? { dedupe: { scope: 'view', key: ctx.triggerId } } : {}),
      decode: () => {
        if (!handler) throw new NotFoundError('modal', ctx.callbackId);
        const metadata = handler.metadata.decode(ctx.metadata);
        const values = handler.values.safeParse(ctx.values);
        if (values.success) return { handler, metadata, values: values.data };
        const errors = formErrors(values.error);
        // An issue no input can show (the form's shape itself) must not leave the modal open and silent.
        if (!Object.keys(errors).length)
          throw new UsageError('This form sent fields Switchyard does not expect, so nothing was done.', ['Open the form again.']);
        return { handler, metadata, errors };
      },
      access: ({ handler: h, errors }) => ({
        permission: h.permission,
        readOnly: h.readOnly === true || !!errors,
        verb: 'submit this form',
      }),
      handle: async ({ handler: h, metadata, values, errors }, actor) =>
        errors ? { errors } : h.handle({ ...ctx, metadata, values, actor }),
      outcome: (result) => (result && 'errors' in result ? 'usage' : 'ok'),
    });
    return out.kind === 'done' ? out.result : out.kind === 'failed' ? { reply: out.reply } : undefined;
  }

  async shortcut(ctx: Inbound<ShortcutContext>): Promise<Reply | null> {
    const handler = this.shortcuts.get(ctx.callbackId);
    const out = await this.pipeline.run({
      action: `shortcut ${ctx.callbackId}`,
      userId: ctx.userId,
      requestId: ctx.requestId,
      channelId: ctx.channelId,
      target: ctx.message.ts,
      ...(ctx.triggerId ? { dedupe: { scope: 'sc', key: ctx.triggerId } } : {}),
      decode: () => {
        if (!handler) throw new NotFoundError('shortcut', ctx.callbackId);
        return handler;
      },
      access: (h) => ({ permission: h.permission, readOnly: h.readOnly === true, verb: 'use this shortcut' }),
      handle: (h, actor) => h.handle({ ...ctx, actor }),
    });
    return out.kind === 'failed' ? out.reply : null;
  }

  /** A Slack event, once per event id (Slack retries events; Bolt does not de-duplicate). */
  event(type: string, eventId: string, handle: () => Promise<void>): Promise<void> {
    return this.pipeline.event(type, eventId, handle);
  }
}

function addUnique<T>(map: Map<string, T>, key: string, value: T, what: string): void {
  if (map.has(key)) throw new Error(`${what} handler ${key} registered twice`);
  map.set(key, value);
}
