import { AccessControl, type Actor } from './access.js';
import type { AuditLog, AuditOutcome } from './audit.js';
import { errorReply } from './commands/error-reply.js';
import { requiredRole, type Permission, type Reply } from './commands/spec.js';
import { UnavailableError } from './errors.js';
import type { Logger } from './ports/runtime.js';
import type { Store } from './ports/store.js';

/**
 * How long a request that finds the store away waits for the client's next reconnect attempt
 * before it is refused: the reconnect delay is capped at 3 s (adapters/redis/connection.ts).
 */
const STORE_PATIENCE_MS = 3500;

/** A Slack retry comes within minutes; an hour of memory covers it with room to spare. */
const DEDUPE_MS = 60 * 60_000;

export interface PipelineDeps {
  access: AccessControl;
  audit: AuditLog;
  store: Store;
  log: Logger;
}

/** What the handler adds to the one audit entry (the run it started, the item it changed). Never a secret. */
export type Note = (what: { target?: string; detail?: string }) => void;

/**
 * One request from a person (a command, a button, a modal submission, a shortcut), as the
 * pipeline runs it: decode, actor, permission, de-duplication, handler, audit.
 */
export interface EdgeRequest<P, R> {
  /** The audit action: `/pipeline run`, `button incident.ack`, `modal approval.reject-modal`, `shortcut plan.add_from_message`. */
  action: string;
  userId: string;
  requestId: string;
  channelId?: string;
  target?: string;
  detail?: string;
  /**
   * The same for a Slack retry of the same delivery (trigger id, action ts): a second delivery
   * runs nothing and answers nothing. `scope` keeps the Redis key layout (`dedupe:<scope>:<key>`).
   */
  dedupe?: { scope: string; key: string };
  /**
   * Turns what Slack sent into typed input (args, a button's value, a form's metadata); throws UsageError for what this bot did
   * not make.
   */
  decode(): P | Promise<P>;
  /** As declared on the spec. A role is checked here; `policy(…)` is checked by the domain, `anyone(…)` by nobody. */
  access(decoded: P): { permission?: Permission | null; readOnly?: boolean; verb: string };
  handle(decoded: P, actor: Actor, note: Note): Promise<R>;
  /** The audit outcome of a result that is not an error (a modal answered with field errors is `usage`). */
  outcome?(result: R): AuditOutcome;
}

export type EdgeResult<R> = { kind: 'done'; result: R } | { kind: 'duplicate' } | { kind: 'failed'; reply: Reply };

/**
 * The one way in: every command, button, modal, shortcut and Slack event passes here, so the
 * audit entry, the retry de-duplication and the error answer are written once. Routers find the
 * handler; the transport only parses and acks.
 */
export class EdgePipeline {
  constructor(private readonly deps: PipelineDeps) {}

  async run<P, R>(req: EdgeRequest<P, R>): Promise<EdgeResult<R>> {
    let noted: { target?: string; detail?: string } = {};
    const audit = (outcome: AuditOutcome, rule?: string, whenStoreIsBack = false) => {
      const target = noted.target ?? req.target;
      const detail = noted.detail ?? req.detail;
      return this.deps.audit
        .record(
          {
            actor: req.userId,
            action: req.action,
            outcome,
            ...(req.channelId ? { channel: req.channelId } : {}),
            ...(target ? { target } : {}),
            ...(detail ? { detail } : {}),
            ...(rule ? { rule } : {}),
            requestId: req.requestId,
          },
          { whenStoreIsBack },
        )
        .catch((err: Error) =>
          this.deps.log.error({ err: err.message }, 'audit write failed (kept in memory, appended when storage is back)'),
        );
    };
    // Every request needs the store: while it is away, say so (nothing ran, so nothing changed)
    // after the client's next reconnect attempt rather than after all its retries with a generic
    // error. The audit entry waits in memory and is appended when the store is back.
    const health = this.deps.store.health?.();
    if (health && !health.available() && !(await health.whenAvailable(STORE_PATIENCE_MS))) {
      const { reply, outcome } = errorReply(new UnavailableError(), req.requestId, this.deps.log);
      this.deps.log.warn({ requestId: req.requestId, action: req.action }, 'request refused: storage unavailable');
      await audit(outcome, 'storage:unavailable', true);
      return { kind: 'failed', reply };
    }
    try {
      const decoded = await req.decode();
      const actor = await this.deps.access.actor(req.userId);
      const access = req.access(decoded);
      const role = requiredRole(access.permission);
      if (role) AccessControl.require(actor, role, access.verb);
      if (!access.readOnly && req.dedupe && !(await this.firstDelivery(req.dedupe.scope, req.dedupe.key))) {
        this.deps.log.info({ requestId: req.requestId, action: req.action }, 'duplicate delivery ignored');
        return { kind: 'duplicate' };
      }
      const result = await req.handle(decoded, actor, (what) => {
        noted = { ...noted, ...what };
      });
      await audit(req.outcome?.(result) ?? 'ok');
      return { kind: 'done', result };
    } catch (err) {
      const { reply, outcome, rule } = errorReply(err, req.requestId, this.deps.log);
      await audit(outcome, rule);
      return { kind: 'failed', reply };
    }
  }

  /**
   * A Slack event (reaction, join, mention): Slack retries events and Bolt does not de-duplicate,
   * so the handler runs once per event id. Events are not a person's request: the handler audits
   * what it did on someone's behalf; a failure is logged (Slack shows nobody an answer).
   */
  async event(type: string, eventId: string, handle: () => Promise<void>): Promise<void> {
    if (!(await this.firstDelivery('evt', `evt-${type}-${eventId}`))) {
      this.deps.log.info({ eventId, type }, 'duplicate event ignored');
      return;
    }
    try {
      await handle();
    } catch (err) {
      this.deps.log.error({ eventId, type, err: err instanceof Error ? err.message : String(err) }, 'Slack event handler failed');
    }
  }

  private firstDelivery(scope: string, key: string): Promise<boolean> {
    return this.deps.store.claim(this.deps.store.key('dedupe', scope, key), DEDUPE_MS);
  }
}
