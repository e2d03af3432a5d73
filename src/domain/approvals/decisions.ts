import type { Actor } from '../../core/access.js';
import type { AuditOutcome } from '../../core/audit.js';
import type { AppContext } from '../../core/module.js';
import { servicesOf } from '../services.js';
import { approvalsNeeded, hasVoted, isDecided, stageOutcomeOf, type Gate } from './gate.js';
import { channelCopyKey, dmCopyKey, GateStore, isLiveCopy, JOB_SETTLE, settleJobId, SYSTEM_ACTOR } from './gates.js';
import type { GatePresenter } from './presenter.js';

export type VoteRequest = { kind: 'approve'; comment?: string } | { kind: 'reject'; reason: string };
export type Refusal = { ok: false; rule: string; message: string };
export type VoteAnswer = { ok: true; text: string } | Refusal;

const ANNOUNCED_TTL_MS = 90 * 86_400_000;

/**
 * What people and timers do to gates, and everything that follows: audit entries, every copy of
 * the request updated, the run resolved, timers stopped, App Homes refreshed.
 */
export class Decisions {
  constructor(
    private readonly ctx: AppContext,
    private readonly gates: GateStore,
    private readonly show: GatePresenter,
  ) {}

  private async audit(actor: string, action: string, outcome: AuditOutcome, gate: Gate, extra?: string): Promise<void> {
    const detail = [
      `run ${gate.runId}`,
      `${gate.pipeline} to ${gate.env}`,
      `policy ${gate.policy.name} (${gate.policy.required} needed)`,
      extra,
    ]
      .filter(Boolean)
      .join('; ');
    await this.ctx.audit.record({ actor, action, outcome, target: `gate ${gate.id}`, detail });
  }

  private async refuse(actor: Actor, gate: Gate, kind: string, r: { rule: string; message: string }): Promise<Refusal> {
    await this.audit(actor.userId, `approval.${kind}`, 'refused', gate, `rule ${r.rule}`);
    return { ok: false, rule: r.rule, message: r.message };
  }

  /** The checks that need no write, so a refused person gets no modal to fill in. */
  async precheck(gateId: string, actor: Actor, kind: 'approve' | 'reject'): Promise<Refusal | null> {
    const gate = await this.gates.require(gateId);
    if (isDecided(gate))
      return this.refuse(actor, gate, kind, {
        rule: 'gate-decided',
        message: `This approval request is already ${gate.status}; nothing was changed.`,
      });
    const elig = await this.gates.eligibility(gate, actor, kind);
    if (!elig.ok) return this.refuse(actor, gate, kind, elig);
    const previous = hasVoted(gate, actor.userId);
    if (previous)
      return this.refuse(actor, gate, kind, {
        rule: 'one-vote-per-person',
        message: `You already ${previous === 'approve' ? 'approved' : 'rejected'} this request; each person counts once.`,
      });
    return null;
  }

  async vote(gateId: string, actor: Actor, req: VoteRequest): Promise<VoteAnswer> {
    const refused = await this.precheck(gateId, actor, req.kind);
    if (refused) return refused;
    const at = this.ctx.clock.now();
    const outcome = await this.gates.vote(
      gateId,
      req.kind === 'approve'
        ? { kind: 'approve', user: actor.userId, at, ...(req.comment ? { comment: req.comment } : {}) }
        : { kind: 'reject', user: actor.userId, at, reason: req.reason },
    );
    if (!outcome.ok) return this.refuse(actor, outcome.gate ?? (await this.gates.require(gateId)), req.kind, outcome);
    const g = outcome.gate;
    const said = req.kind === 'approve' ? (req.comment ? `comment: ${req.comment}` : undefined) : `reason: ${req.reason}`;
    await this.audit(
      actor.userId,
      `approval.${req.kind}`,
      'ok',
      g,
      [`${g.approvals.length} of ${g.policy.required} approvals`, said].filter(Boolean).join('; '),
    );
    if (outcome.decided) {
      await this.ctx.jobs.enqueue(JOB_SETTLE, { gateId }, { id: settleJobId(gateId) });
    } else {
      // Progress shows on the live request only; DM copies wait for the decision. Of the Homes,
      // only the voter's (the request leaves their list) and the requester's (their progress line)
      // change in substance; the others' counts catch up when opened or at the decision.
      await this.refreshCopies(g, 'live');
      await this.refreshHomes(g, [actor.userId, g.requestedBy]);
    }
    if (req.kind === 'reject') {
      return {
        ok: true,
        text:
          g.status === 'rejected'
            ? 'You rejected the deployment; the run stops.'
            : 'Your rejection is recorded; the policy lets the others still approve.',
      };
    }
    return {
      ok: true,
      text:
        g.status === 'approved'
          ? 'Approved: that was the last approval needed; the run continues.'
          : `Your approval counts: ${g.approvals.length} of ${g.policy.required}, ${approvalsNeeded(g)} more needed.`,
    };
  }

  /** Timer: the gate rejects itself. Idempotent (a retried job finds it expired and settles). */
  async expire(gateId: string): Promise<void> {
    const expired = await this.gates.close(gateId, 'expire');
    if (expired)
      await this.audit(
        SYSTEM_ACTOR,
        'approval.expire',
        'ok',
        expired,
        `${expired.approvals.length} of ${expired.policy.required} approvals before the timeout`,
      );
    await this.settle(gateId);
  }

  /** The run was cancelled: its open gates close without resolving the (already ended) run. */
  async cancelRun(runId: string): Promise<void> {
    for (const g of await this.gates.forRun(runId)) {
      const cancelled = await this.gates.close(g.id, 'cancel');
      if (cancelled) await this.audit(SYSTEM_ACTOR, 'approval.cancel', 'ok', cancelled, 'the run was cancelled');
      if (cancelled || (isDecided(g) && !g.settled)) await this.settle(g.id);
    }
  }

  async remind(gateId: string, beforeMs: number): Promise<void> {
    const g = await this.gates.get(gateId);
    if (!g || g.status !== 'pending') return;
    const left = Math.max(0, g.expiresAt - this.ctx.clock.now());
    const text = this.show.reminder(g, left);
    for (const u of g.approvers) {
      if (hasVoted(g, u)) continue;
      await this.ctx.chat.post({ channel: u, threadKey: dmCopyKey(g.id, u), key: `appr-${g.id}-remind-${beforeMs}-${u}`, text });
    }
    if (g.policy.channel)
      await this.ctx.chat.post({
        channel: g.policy.channel,
        threadKey: channelCopyKey(g.id),
        key: `appr-${g.id}-remind-${beforeMs}-chan`,
        text,
      });
  }

  /**
   * Carries out a decision; safe to run again after a crash at any step: messages are replaced,
   * timers removed by id, the run resolved idempotently, and the note and audit entry claimed once.
   */
  async settle(gateId: string): Promise<void> {
    const g = await this.gates.get(gateId);
    if (!g || !isDecided(g) || g.settled) return;
    await this.gates.stopTimers(g);
    await this.refreshCopies(g);
    const pipelines = servicesOf(this.ctx).get('pipelines');
    const first = await this.ctx.store.claim(this.ctx.store.key('approval', 'announced', g.id), ANNOUNCED_TTL_MS);
    if (first) {
      if (g.status === 'approved' || g.status === 'rejected') {
        await this.audit(
          SYSTEM_ACTOR,
          `approval.${g.status}`,
          'ok',
          g,
          g.status === 'approved'
            ? `approved by ${g.approvals.map((a) => a.user).join(', ')}`
            : `rejected by ${g.rejections.at(-1)?.user ?? '?'}`,
        );
      }
      if (g.status !== 'cancelled') await pipelines.noteOnRun(g.runId, this.show.decisionNote(g));
    }
    if (g.status !== 'cancelled') {
      const { status, summary } = stageOutcomeOf(g);
      await pipelines.resolveWaitingStage(g.runId, g.stageId, {
        status,
        summary,
        details: {
          gate: g.id,
          decision: g.status,
          policy: {
            name: g.policy.name,
            required: g.policy.required,
            rejectEndsRun: g.policy.rejectEndsRun,
            timeoutMs: g.policy.timeoutMs,
            approvers: g.policy.approvers,
          },
          approvals: g.approvals.map((a) => ({ user: a.user, at: a.at, ...(a.comment ? { comment: a.comment } : {}) })),
          rejections: g.rejections.map((r) => ({ user: r.user, at: r.at, reason: r.reason })),
        },
      });
    }
    await this.gates.markSettled(g.id);
    await this.refreshHomes(g);
  }

  /**
   * Brings copies up to date: the live ones (thread, approval channel) on each vote, every copy
   * once the gate is decided, when they all show the outcome and lose their buttons.
   */
  async refreshCopies(g: Gate, which: 'live' | 'all' = 'all'): Promise<void> {
    for (const key of g.messageKeys) {
      const live = isLiveCopy(g.id, key);
      if (which === 'live' && !live) continue;
      try {
        await this.ctx.chat.update(key, this.show.request(g, live ? 'live' : 'dm'));
      } catch (err) {
        // A copy that was never posted (the stage stopped between saving the gate and posting).
        this.ctx.log.warn({ gate: g.id, key, err: (err as Error).message }, 'approval copy not updated');
      }
    }
  }

  /** Homes of everyone the gate concerns (or of `only`); unchanged Homes are not re-published. */
  async refreshHomes(g: Gate, only?: string[]): Promise<void> {
    const people = new Set(only ?? [g.requestedBy, ...g.approvers, ...g.approvals.map((a) => a.user), ...g.rejections.map((r) => r.user)]);
    for (const u of people) {
      await this.ctx.home.refresh(u).catch((err: Error) => this.ctx.log.warn({ user: u, err: err.message }, 'home refresh failed'));
    }
  }
}
