import type { Actor } from '../../core/access.js';
import { NotFoundError } from '../../core/errors.js';
import type { AppContext } from '../../core/module.js';
import { ABORT } from '../../core/ports/store.js';
import { planSummariesOf, type RunInfo, type StageContext, type StageOutcome } from '../contracts.js';
import { applyVote, cancelGate, expireGate, hasVoted, type Gate, type VoteInput, type VoteResult } from './gate.js';
import { checkEligibility, resolvePolicy, type ApprovalsFile, type Eligibility, type ResolvedPolicy } from './policy.js';
import type { GatePresenter } from './presenter.js';

/**
 * Gates in Redis: one JSON document per gate (decided with `store.update`, so concurrent presses
 * serialise), a sorted set of gates not yet settled (what waits, what a restarted worker must
 * finish) and a set of gates per run.
 */
export const JOB_EXPIRE = 'approval.expire';
export const JOB_REMIND = 'approval.remind';
export const JOB_SETTLE = 'approval.settle';

export const SYSTEM_ACTOR = 'switchyard';

const GATE_TTL_MS = 90 * 86_400_000;

export const gateIdFor = (runId: string, stageId: string): string => `${runId}-${stageId}`.replace(/[^A-Za-z0-9_-]/g, '_');
export const expireJobId = (gateId: string): string => `expire-${gateId}`;
export const remindJobId = (gateId: string, beforeMs: number): string => `remind-${gateId}-${beforeMs}`;
export const settleJobId = (gateId: string): string => `settle-${gateId}`;

export const threadCopyKey = (gateId: string): string => `appr-${gateId}-thread`;
export const channelCopyKey = (gateId: string): string => `appr-${gateId}-chan`;
export const dmCopyKey = (gateId: string, user: string): string => `appr-${gateId}-dm-${user}`;
/** The copies updated on every vote (the one live request); DM copies change only on the decision. */
export const isLiveCopy = (gateId: string, key: string): boolean => key === threadCopyKey(gateId) || key === channelCopyKey(gateId);

/** A link safe to put in mrkdwn as `<url>` (nothing that could close it or add a label). */
export const isPlainUrl = (v: string): boolean => /^https?:\/\/[^\s<>|]+$/.test(v);

export type VoteOutcome = { ok: true; gate: Gate; decided: boolean } | { ok: false; rule: string; message: string; gate?: Gate };

export class GateStore {
  constructor(
    private readonly ctx: AppContext,
    readonly file: ApprovalsFile,
    private readonly show: GatePresenter,
  ) {}

  private key(id: string): string {
    return this.ctx.store.key('approval', 'gate', id);
  }

  private get openKey(): string {
    return this.ctx.store.key('approval', 'open');
  }

  private runKey(runId: string): string {
    return this.ctx.store.key('approval', 'run', runId);
  }

  get(id: string): Promise<Gate | null> {
    return this.ctx.store.getJson<Gate>(this.key(id));
  }

  async require(id: string): Promise<Gate> {
    const g = await this.get(id);
    if (!g) throw new NotFoundError('approval request', id);
    return g;
  }

  /** Gates opened and not yet settled, oldest first. */
  async unsettled(): Promise<Gate[]> {
    const ids = (await this.ctx.store.zRange(this.openKey)).map((m) => m.member);
    const docs = await this.ctx.store.getManyJson<Gate>(ids.map((i) => this.key(i)));
    return docs.filter((g): g is Gate => g !== null);
  }

  async forRun(runId: string): Promise<Gate[]> {
    const ids = await this.ctx.store.setMembers(this.runKey(runId));
    const docs = await this.ctx.store.getManyJson<Gate>(ids.map((i) => this.key(i)));
    return docs.filter((g): g is Gate => g !== null);
  }

  async markSettled(id: string): Promise<void> {
    await this.ctx.store.update<Gate>(this.key(id), (cur) => (cur && !cur.settled ? { ...cur, settled: true } : ABORT));
    await this.ctx.store.zRemove(this.openKey, id);
  }

  groupMembers = (groupId: string): Promise<string[]> => this.ctx.access.groupMembers(groupId);

  eligibility(g: Pick<Gate, 'policy' | 'requestedBy'>, actor: Actor, vote: 'approve' | 'reject'): Promise<Eligibility> {
    return checkEligibility(g.policy, actor, g.requestedBy, this.groupMembers, vote);
  }

  /** Applies a vote atomically; the returned outcome is the one that was committed. */
  async vote(id: string, v: VoteInput): Promise<VoteOutcome> {
    let result = undefined as VoteResult | undefined;
    const after = await this.ctx.store.update<Gate>(this.key(id), (cur) => {
      if (!cur) return ABORT;
      result = applyVote(cur, v);
      return result.ok ? result.gate : ABORT;
    });
    if (!after || !result) throw new NotFoundError('approval request', id);
    return result.ok ? result : { ...result, gate: after };
  }

  /** Moves an open gate to expired or cancelled; null when it was already decided. */
  async close(id: string, how: 'expire' | 'cancel'): Promise<Gate | null> {
    let changed = false as boolean;
    const at = this.ctx.clock.now();
    const after = await this.ctx.store.update<Gate>(this.key(id), (cur) => {
      const next = cur ? (how === 'expire' ? expireGate(cur, at) : cancelGate(cur, at)) : null;
      changed = next !== null;
      return next ?? ABORT;
    });
    return changed ? after : null;
  }

  /**
   * Opens (or, when the stage is retried, finds) the gate of a run's approval stage, posts every
   * copy of the request and starts its timers. Every step is idempotent.
   */
  async open(sc: StageContext, settings: { policy?: string; changes?: string; link?: string }): Promise<StageOutcome> {
    const run = sc.run;
    const policy = resolvePolicy(this.file, {
      env: run.env,
      pipeline: run.pipeline,
      ...(settings.policy ? { named: settings.policy } : {}),
    });
    if (!policy) {
      return {
        status: 'failed',
        summary: settings.policy
          ? `Unknown approval policy \`${settings.policy}\` (known: ${Object.keys(this.file.policies).join(', ') || 'none'})`
          : `No approval policy for environment ${run.env} in approvals.yml`,
      };
    }
    const id = gateIdFor(run.id, sc.stage.id);
    const now = this.ctx.clock.now();
    const approvers = (await this.approversOf(policy)).filter((u) => u !== run.triggeredBy);
    const fresh: Gate = {
      id,
      runId: run.id,
      stageId: sc.stage.id,
      pipeline: run.pipeline,
      service: run.service,
      env: run.env,
      ref: run.ref,
      requestedBy: run.triggeredBy,
      runChannel: run.channel,
      runMessageKey: run.messageKey,
      ...(settings.changes ? { changes: settings.changes.slice(0, 1500) } : {}),
      links: [...new Set([...(settings.link ? [settings.link] : []), ...run.stages.flatMap((s) => (s.link ? [s.link] : []))])]
        .filter(isPlainUrl)
        .slice(0, 5),
      ...(planSummariesOf(run).length ? { plans: planSummariesOf(run) } : {}),
      policy,
      approvers,
      messageKeys: [threadCopyKey(id), ...(policy.channel ? [channelCopyKey(id)] : []), ...approvers.map((u) => dmCopyKey(id, u))],
      status: 'pending',
      approvals: [],
      rejections: [],
      createdAt: now,
      expiresAt: now + policy.timeoutMs,
    };
    await this.ctx.store.setJson(this.key(id), fresh, { onlyIfAbsent: true, ttlMs: GATE_TTL_MS });
    const gate = (await this.get(id)) ?? fresh;
    await this.ctx.store.zAdd(this.openKey, gate.createdAt, id);
    await this.ctx.store.setAdd(this.runKey(run.id), id);
    await this.ctx.store.expire(this.runKey(run.id), GATE_TTL_MS);

    const content = this.show.request(gate, 'live');
    await this.ctx.chat.post({ channel: run.channel, threadKey: run.messageKey, key: threadCopyKey(id), ...content });
    if (gate.policy.channel) await this.ctx.chat.post({ channel: gate.policy.channel, key: channelCopyKey(id), ...content });
    const dm = this.show.request(gate, 'dm');
    for (const u of gate.approvers) await this.ctx.chat.post({ channel: u, key: dmCopyKey(id, u), ...dm });
    if (gate.status !== 'pending') {
      // A retry of a stage whose gate was decided meanwhile: make sure the decision is carried out.
      await this.ctx.jobs.enqueue(JOB_SETTLE, { gateId: id }, { id: settleJobId(id) });
    } else {
      await this.startTimers(gate);
    }
    for (const u of [gate.requestedBy, ...gate.approvers]) {
      await this.ctx.home.refresh(u).catch((err: Error) => this.ctx.log.warn({ user: u, err: err.message }, 'home refresh failed'));
    }
    await sc.log(
      `Approval gate ${id} opened: ${policy.required} approval(s) under policy ${policy.name}; ` +
        `${gate.approvers.length} approver(s) notified.`,
    );
    return {
      status: 'waiting',
      summary: `Waiting for ${policy.required} approval${policy.required === 1 ? '' : 's'} (policy ${policy.name})`,
    };
  }

  /** Expiry and reminders as delayed jobs (ids make a second call a no-op). */
  async startTimers(gate: Gate): Promise<void> {
    const left = Math.max(0, gate.expiresAt - this.ctx.clock.now());
    await this.ctx.jobs.enqueue(JOB_EXPIRE, { gateId: gate.id }, { id: expireJobId(gate.id), delayMs: left });
    for (const before of gate.policy.remindBeforeMs) {
      if (left - before <= 0) continue;
      await this.ctx.jobs.enqueue(
        JOB_REMIND,
        { gateId: gate.id, beforeMs: before },
        { id: remindJobId(gate.id, before), delayMs: left - before },
      );
    }
  }

  async stopTimers(gate: Gate): Promise<void> {
    await this.ctx.jobs.cancel(JOB_EXPIRE, expireJobId(gate.id));
    for (const before of gate.policy.remindBeforeMs) await this.ctx.jobs.cancel(JOB_REMIND, remindJobId(gate.id, before));
  }

  /**
   * People to notify: the policy's users, members of its groups, and holders of its roles as
   * granted in access.yml (directly or through a group; admins are not messaged for every gate).
   */
  async approversOf(policy: ResolvedPolicy): Promise<string[]> {
    const users = new Set(policy.approvers.users);
    for (const role of policy.approvers.roles) (await this.ctx.access.holders(role)).forEach((u) => users.add(u));
    for (const g of policy.approvers.groups) (await this.groupMembers(g)).forEach((u) => users.add(u));
    return [...users].sort();
  }

  /** Open gates this person may still vote on (not the requester, not voted, eligible). */
  async waitingFor(actor: Actor): Promise<Gate[]> {
    const out: Gate[] = [];
    for (const g of await this.unsettled()) {
      if (g.status !== 'pending' || g.requestedBy === actor.userId || hasVoted(g, actor.userId)) continue;
      if ((await this.eligibility(g, actor, 'approve')).ok) out.push(g);
    }
    return out;
  }

  /** The policy that governs approvals for a run: its open gate's, else what the file says. */
  async policyForRun(run: RunInfo, named?: string): Promise<ResolvedPolicy | null> {
    const gates = await this.forRun(run.id);
    const open = gates.find((g) => g.status === 'pending') ?? gates[0];
    if (open) return open.policy;
    return resolvePolicy(this.file, { env: run.env, pipeline: run.pipeline, ...(named ? { named } : {}) });
  }
}
