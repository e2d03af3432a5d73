import { AccessControl, type Actor } from '../../core/access.js';
import { ConflictError, ForbiddenError, InvalidStateError, NotFoundError } from '../../core/errors.js';
import type { AppContext } from '../../core/module.js';
import { mention } from '../../core/outbound.js';
import type { JobProcessor } from '../../core/ports/jobs.js';
import { EVENTS, type RunInfo } from '../contracts.js';
import type { Subscription } from '../../core/events.js';
import { servicesOf } from '../services.js';
import { GateStore, outcomeOf, type GateDoc } from './gate.js';
import type { InspectPresenter } from './presenter.js';
import { gateMessageKey } from './stage.js';

/**
 * Override and Fail-run on a failed inspection. Only someone the approval policy would accept for
 * the run may override (the approvals capability decides; without it, the `approver` role and not
 * the person who started the run). Every decision and every refusal is audited with the rule.
 */
export const JOB_SETTLE = 'inspect.settle';

export async function mayOverride(ctx: AppContext, actor: Actor, run: RunInfo): Promise<{ ok: boolean; rule?: string }> {
  const approvers = servicesOf(ctx).maybe('approvers');
  if (approvers) return approvers.eligible(actor, run);
  if (actor.userId === run.triggeredBy)
    return { ok: false, rule: 'four-eyes (the person who started the run cannot override its inspection)' };
  return AccessControl.has(actor, 'approver') ? { ok: true } : { ok: false, rule: 'role:approver' };
}

async function waitingGate(ctx: AppContext, gates: GateStore, runId: string, stageId: string): Promise<{ gate: GateDoc; run: RunInfo }> {
  const gate = await gates.get(runId, stageId);
  if (!gate) throw new NotFoundError('inspection gate', `${runId}/${stageId}`);
  if (gate.status !== 'waiting')
    throw new ConflictError(
      `Inspection \`${stageId}\` of run \`${runId}\` was already ${gate.status} by ${mention(gate.decision?.by ?? '?')}.`,
    );
  const run = await servicesOf(ctx).get('pipelines').getRun(runId);
  if (!run) throw new NotFoundError('run', runId);
  if (run.status !== 'waiting' && run.status !== 'running')
    throw new InvalidStateError(`Run \`${runId}\` is ${run.status}; there is nothing to override.`);
  return { gate, run };
}

async function refuse(ctx: AppContext, actor: Actor, action: string, target: string, rule: string): Promise<never> {
  await ctx.audit.record({ actor: actor.userId, action, outcome: 'refused', target, detail: `rule: ${rule}` });
  throw new ForbiddenError(
    `You may not ${action === 'inspect.override' ? 'override this inspection' : 'fail this run'}: refused by rule \`${rule}\`.`,
    rule,
  );
}

/**
 * The decisions behind the gate's buttons and form (commands/inspect): each checks the gate
 * still waits and the person may decide, takes the decision once, audits it and leaves settling
 * it on the run to a retried job.
 */
export class GateDecisions {
  constructor(
    private readonly ctx: AppContext,
    private readonly gates: GateStore,
  ) {}

  /** Before the override form opens: the gate waits and `actor` may override it. Returns it (the form shows its summary). */
  async checkOverride(actor: Actor, runId: string, stageId: string): Promise<GateDoc> {
    const { gate, run } = await waitingGate(this.ctx, this.gates, runId, stageId);
    const e = await mayOverride(this.ctx, actor, run);
    if (!e.ok) return refuse(this.ctx, actor, 'inspect.override', `${runId}/${stageId}`, e.rule ?? 'not an eligible approver');
    return gate;
  }

  /** Whoever started the run, or an eligible approver, fails it at the gate. */
  async failRun(actor: Actor, runId: string, stageId: string): Promise<void> {
    const { ctx, gates } = this;
    const { run } = await waitingGate(ctx, gates, runId, stageId);
    if (actor.userId !== run.triggeredBy) {
      const e = await mayOverride(ctx, actor, run);
      if (!e.ok)
        return refuse(
          ctx,
          actor,
          'inspect.fail-run',
          `${runId}/${stageId}`,
          e.rule ?? 'not an eligible approver or the person who started the run',
        );
    }
    const decided = await gates.decide(runId, stageId, 'failed', { by: actor.userId, at: ctx.clock.now() });
    if (!decided) throw new ConflictError('This inspection was decided a moment ago.');
    await ctx.audit.record({ actor: actor.userId, action: 'inspect.fail-run', outcome: 'ok', target: `${runId}/${stageId}` });
    await ctx.jobs.enqueue(JOB_SETTLE, { runId, stageId }, { id: `settle-${runId}-${stageId}` });
  }

  /** An eligible approver overrides the failed inspection, saying why it is safe. */
  async override(actor: Actor, runId: string, stageId: string, reason: string): Promise<void> {
    const { ctx, gates } = this;
    const { run } = await waitingGate(ctx, gates, runId, stageId);
    const e = await mayOverride(ctx, actor, run);
    if (!e.ok) return refuse(ctx, actor, 'inspect.override', `${runId}/${stageId}`, e.rule ?? 'not an eligible approver');
    const decided = await gates.decide(runId, stageId, 'overridden', { by: actor.userId, reason, at: ctx.clock.now() });
    if (!decided) throw new ConflictError('This inspection was decided a moment ago.');
    await ctx.audit.record({
      actor: actor.userId,
      action: 'inspect.override',
      outcome: 'ok',
      target: `${runId}/${stageId}`,
      detail: reason,
    });
    await ctx.jobs.enqueue(JOB_SETTLE, { runId, stageId }, { id: `settle-${runId}-${stageId}` });
  }
}

/** Applies a decided gate to the run: stage resolved, decision noted in the thread, buttons replaced. Idempotent. */
export function settleProcessor(ctx: AppContext, gates: GateStore, present: Pick<InspectPresenter, 'gate'>): JobProcessor {
  return {
    name: JOB_SETTLE,
    attempts: 8,
    backoffMs: 500,
    async process(data) {
      const gate = await gates.get(String(data.runId), String(data.stageId));
      if (!gate || gate.status === 'waiting' || gate.settled || !gate.decision) return;
      if (gate.status === 'closed') return;
      const pipelines = servicesOf(ctx).get('pipelines');
      const state = { status: gate.status, by: gate.decision.by, ...(gate.decision.reason ? { reason: gate.decision.reason } : {}) };
      const content = present.gate(gate.runId, gate.stageId, state);
      await pipelines.resolveWaitingStage(gate.runId, gate.stageId, outcomeOf(gate));
      if (await ctx.store.claim(ctx.store.key('inspect', 'decision-noted', gate.runId, gate.stageId), 14 * 86_400_000)) {
        await pipelines.noteOnRun(gate.runId, content.text);
      }
      await ctx.chat.update(gateMessageKey(gate.runId, gate.stageId), content);
      await gates.markSettled(gate.runId, gate.stageId);
    },
  };
}

/** A run that ends while its inspection gate waits (cancelled) closes the gate: its buttons go away. */
export function closeGatesOnRunEnd(ctx: AppContext, gates: GateStore, present: Pick<InspectPresenter, 'gate'>): Subscription {
  return {
    name: 'inspect.close-gates',
    type: EVENTS.runFinished,
    async handle(event) {
      const runId = String(event.data.runId);
      const run = await servicesOf(ctx).maybe('pipelines')?.getRun(runId);
      for (const s of run?.stages.filter((x) => x.kind === 'inspect') ?? []) {
        const closed = await gates.decide(runId, s.id, 'closed', { by: 'switchyard', at: ctx.clock.now() });
        if (closed) await ctx.chat.update(gateMessageKey(runId, s.id), present.gate(runId, s.id, { status: 'closed', by: 'switchyard' }));
      }
    },
  };
}
