import { AccessControl } from './access.js';
import type { AuditLog } from './audit.js';
import { errorReply } from './commands/error-reply.js';
import { assertPermission, requiredRole, type Reply } from './commands/spec.js';
import { NotFoundError } from './errors.js';
import type { ActionContext, ActionHandler, ShortcutContext, ShortcutHandler, ViewHandler, ViewResult, ViewSubmission } from './module.js';
import type { Logger } from './ports/runtime.js';
import type { Store } from './ports/store.js';

const DEDUPE_MS = 60 * 60_000;

/**
 * Buttons, modal submissions and shortcuts: find the handler, check its role, run it once per
 * delivery, audit the press and turn errors into one ephemeral answer (the same middleware as
 * commands).
 */
export class InteractionRouter {
  private readonly actions = new Map<string, ActionHandler>();
  private readonly views = new Map<string, ViewHandler>();
  private readonly shortcuts = new Map<string, ShortcutHandler>();

  constructor(
    handlers: { actions: ActionHandler[]; views: ViewHandler[]; shortcuts: ShortcutHandler[] },
    private readonly deps: { access: AccessControl; audit: AuditLog; store: Store; log: Logger },
  ) {
    for (const a of handlers.actions) {
      assertPermission(`button ${a.actionId}`, a);
      addUnique(this.actions, a.actionId, a, 'action');
    }
    for (const v of handlers.views) {
      assertPermission(`modal ${v.callbackId}`, v);
      addUnique(this.views, v.callbackId, v, 'view');
    }
    for (const s of handlers.shortcuts) addUnique(this.shortcuts, s.callbackId, s, 'shortcut');
  }

  actionIds(): string[] {
    return [...this.actions.keys()];
  }

  /** `dedupeKey` identifies one press (trigger id + action ts); a redelivery runs nothing. */
  async action(ctx: Omit<ActionContext, 'actor'> & { userId: string; dedupeKey?: string }): Promise<Reply | null> {
    const base = ctx.actionId.split('#')[0]!;
    const handler = this.actions.get(base);
    const record = (outcome: Parameters<AuditLog['record']>[0]['outcome'], rule?: string) =>
      this.deps.audit
        .record({ actor: ctx.userId, action: `button ${base}`, outcome, channel: ctx.channelId, target: ctx.value.slice(0, 120), ...(rule ? { rule } : {}), requestId: ctx.requestId })
        .catch((err: Error) => this.deps.log.error({ err: err.message }, 'audit write failed'));
    try {
      if (!handler) throw new NotFoundError('button', base);
      const actor = await this.deps.access.actor(ctx.userId);
      const role = requiredRole(handler.permission);
      if (role) AccessControl.require(actor, role, 'press this button');
      if (ctx.dedupeKey && !(await this.deps.store.claim(this.deps.store.key('dedupe', 'act', ctx.dedupeKey), DEDUPE_MS))) return null;
      const reply = await handler.handle({ ...ctx, actionId: base, actor });
      await record('ok');
      return reply ?? null;
    } catch (err) {
      const { reply, outcome, rule } = errorReply(err, ctx.requestId, this.deps.log);
      await record(outcome, rule);
      return reply;
    }
  }

  async view(ctx: Omit<ViewSubmission, 'actor'> & { userId: string }): Promise<ViewResult | { reply: Reply }> {
    const handler = this.views.get(ctx.callbackId);
    const record = (outcome: Parameters<AuditLog['record']>[0]['outcome'], rule?: string) =>
      this.deps.audit
        .record({ actor: ctx.userId, action: `modal ${ctx.callbackId}`, outcome, ...(rule ? { rule } : {}), requestId: ctx.requestId })
        .catch((err: Error) => this.deps.log.error({ err: err.message }, 'audit write failed'));
    try {
      if (!handler) throw new NotFoundError('modal', ctx.callbackId);
      const actor = await this.deps.access.actor(ctx.userId);
      const role = requiredRole(handler.permission);
      if (role) AccessControl.require(actor, role, 'submit this form');
      const result = await handler.handle({ ...ctx, actor });
      await record(result && 'errors' in result ? 'usage' : 'ok');
      return result;
    } catch (err) {
      const { reply, outcome, rule } = errorReply(err, ctx.requestId, this.deps.log);
      await record(outcome, rule);
      return { reply };
    }
  }

  async shortcut(ctx: Omit<ShortcutContext, 'actor'> & { userId: string }): Promise<Reply | null> {
    const handler = this.shortcuts.get(ctx.callbackId);
    const record = (outcome: Parameters<AuditLog['record']>[0]['outcome']) =>
      this.deps.audit
        .record({ actor: ctx.userId, action: `shortcut ${ctx.callbackId}`, outcome, channel: ctx.channelId, target: ctx.message.ts, requestId: ctx.requestId })
        .catch((err: Error) => this.deps.log.error({ err: err.message }, 'audit write failed'));
    try {
      if (!handler) throw new NotFoundError('shortcut', ctx.callbackId);
      const actor = await this.deps.access.actor(ctx.userId);
      await handler.handle({ ...ctx, actor });
      await record('ok');
      return null;
    } catch (err) {
      const { reply, outcome } = errorReply(err, ctx.requestId, this.deps.log);
      await record(outcome);
      return reply;
    }
  }
}

function addUnique<T>(map: Map<string, T>, key: string, value: T, what: string): void {
  if (map.has(key)) throw new Error(`${what} handler ${key} registered twice`);
  map.set(key, value);
}
