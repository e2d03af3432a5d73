import { escapeUntrusted, mention } from '../../core/outbound.js';
import type { PlanSummary } from '../contracts.js';
import type { ResolvedPolicy } from './policy.js';

/**
 * An approval gate and its state machine. Pure functions: the service applies them inside
 * `store.update` so two presses at the same instant are decided one after the other in Redis.
 *
 *   pending ──approve (n-th distinct)──▶ approved
 *      │ ──reject (rejectEndsRun)─────▶ rejected
 *      │ ──timer──────────────────────▶ expired
 *      └ ──run cancelled──────────────▶ cancelled
 */
export type GateStatus = 'pending' | 'approved' | 'rejected' | 'expired' | 'cancelled';

export interface Approval {
  user: string;
  at: number;
  comment?: string;
}

export interface Rejection {
  user: string;
  at: number;
  reason: string;
}

export interface Gate {
  id: string;
  runId: string;
  stageId: string;
  pipeline: string;
  service: string;
  env: string;
  ref: string;
  requestedBy: string;
  /** Channel and message key of the run (the request is also posted in its thread). */
  runChannel: string;
  runMessageKey: string;
  /** What the pipeline says is being shipped (text) and where to read more. */
  changes?: string;
  links: string[];
  /** What earlier infrastructure stages of the run will change (terraform plan, change set). */
  plans?: Array<{ stageId: string; summary: PlanSummary }>;
  policy: ResolvedPolicy;
  /** People sent a direct message (eligible, minus the requester), resolved when the gate opened. */
  approvers: string[];
  /** Every copy of the request, by chat message key. */
  messageKeys: string[];
  status: GateStatus;
  approvals: Approval[];
  rejections: Rejection[];
  createdAt: number;
  expiresAt: number;
  decidedAt?: number;
  /** Set once the decision has been carried out (run resolved, messages updated, timers gone). */
  settled?: boolean;
}

export type VoteInput =
  { kind: 'approve'; user: string; at: number; comment?: string } | { kind: 'reject'; user: string; at: number; reason: string };

export type VoteResult = { ok: true; gate: Gate; decided: boolean } | { ok: false; rule: string; message: string };

export function isDecided(gate: Pick<Gate, 'status'>): boolean {
  return gate.status !== 'pending';
}

export function approvalsNeeded(gate: Pick<Gate, 'approvals' | 'policy'>): number {
  return Math.max(0, gate.policy.required - gate.approvals.length);
}

export function hasVoted(gate: Pick<Gate, 'approvals' | 'rejections'>, user: string): 'approve' | 'reject' | null {
  if (gate.approvals.some((a) => a.user === user)) return 'approve';
  if (gate.rejections.some((r) => r.user === user)) return 'reject';
  return null;
}

const DECIDED_WORDS: Record<Exclude<GateStatus, 'pending'>, string> = {
  approved: 'already approved',
  rejected: 'already rejected',
  expired: 'expired',
  cancelled: 'cancelled (the run was stopped)',
};

/**
 * Applies one vote. Eligibility (roles, groups) is checked before; this enforces what depends on
 * the gate itself: still open, not the requester approving, one vote per person.
 */
export function applyVote(gate: Gate, v: VoteInput): VoteResult {
  if (gate.status !== 'pending') {
    return { ok: false, rule: 'gate-decided', message: `This approval request is ${DECIDED_WORDS[gate.status]}; nothing was changed.` };
  }
  if (v.at >= gate.expiresAt)
    return { ok: false, rule: 'gate-expired', message: 'This approval request has expired; nothing was changed.' };
  if (v.kind === 'approve' && v.user === gate.requestedBy) {
    return { ok: false, rule: 'requester-cannot-approve', message: 'You started this run, so you cannot approve it: someone else has to.' };
  }
  const previous = hasVoted(gate, v.user);
  if (previous) {
    return {
      ok: false,
      rule: 'one-vote-per-person',
      message: `You already ${previous === 'approve' ? 'approved' : 'rejected'} this request; each person counts once.`,
    };
  }
  if (v.kind === 'approve') {
    const approvals = [...gate.approvals, { user: v.user, at: v.at, ...(v.comment ? { comment: v.comment } : {}) }];
    const approved = approvals.length >= gate.policy.required;
    const next: Gate = { ...gate, approvals, ...(approved ? { status: 'approved' as const, decidedAt: v.at } : {}) };
    return { ok: true, gate: next, decided: approved };
  }
  const rejections = [...gate.rejections, { user: v.user, at: v.at, reason: v.reason }];
  const rejected = gate.policy.rejectEndsRun;
  const next: Gate = { ...gate, rejections, ...(rejected ? { status: 'rejected' as const, decidedAt: v.at } : {}) };
  return { ok: true, gate: next, decided: rejected };
}

/** The timer fired: an open gate expires (null when it was decided meanwhile). */
export function expireGate(gate: Gate, at: number): Gate | null {
  return gate.status === 'pending' ? { ...gate, status: 'expired', decidedAt: at } : null;
}

export function cancelGate(gate: Gate, at: number): Gate | null {
  return gate.status === 'pending' ? { ...gate, status: 'cancelled', decidedAt: at } : null;
}

/** What the run's stage reports once the gate is decided. */
export function stageOutcomeOf(gate: Gate): { status: 'succeeded' | 'failed'; summary: string } {
  const by = (users: string[]) => users.map((u) => `${mention(u)}`).join(', ');
  switch (gate.status) {
    case 'approved':
      return { status: 'succeeded', summary: `Approved by ${by(gate.approvals.map((a) => a.user))} (policy ${gate.policy.name})` };
    case 'rejected': {
      const r = gate.rejections[gate.rejections.length - 1];
      return { status: 'failed', summary: `Rejected by ${r ? `${mention(r.user)}: ${escapeUntrusted(r.reason)}` : 'an approver'}` };
    }
    case 'expired':
      return {
        status: 'failed',
        summary: `Approval expired: ${gate.approvals.length} of ${gate.policy.required} approvals before the timeout`,
      };
    default:
      return { status: 'failed', summary: 'Approval cancelled' };
  }
}
