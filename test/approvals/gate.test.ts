import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyVote, approvalsNeeded, expireGate, stageOutcomeOf, type Gate, type VoteInput } from '../../src/domain/approvals/gate.js';
import { toPlainText } from '../../src/core/outbound.js';

function gate(over: Partial<Gate> = {}): Gate {
  return {
    id: 'g1',
    runId: 'r1',
    stageId: 'approve',
    pipeline: 'checkout-deploy',
    service: 'checkout',
    env: 'production',
    ref: 'v1.2.3',
    requestedBy: 'U0BOB',
    runChannel: 'C0DEPLOYS',
    runMessageKey: 'run-r1',
    links: [],
    policy: {
      name: 'production',
      approvers: { roles: ['approver'], users: [], groups: [] },
      required: 2,
      rejectEndsRun: true,
      timeoutMs: 60_000,
      remindBeforeMs: [],
    },
    approvers: ['U0CAROL', 'U0DAVE'],
    messageKeys: [],
    status: 'pending',
    approvals: [],
    rejections: [],
    createdAt: 0,
    expiresAt: 60_000,
    ...over,
  };
}

const approve = (user: string, at = 1): VoteInput => ({ kind: 'approve', user, at });

describe('gate state machine', () => {
  it('passes only after the required number of distinct approvals', () => {
    const one = applyVote(gate(), approve('U0CAROL'));
    expect(one).toMatchObject({ ok: true, decided: false });
    const g1 = one.ok ? one.gate : gate();
    expect(g1.status).toBe('pending');
    expect(approvalsNeeded(g1)).toBe(1);
    const again = applyVote(g1, approve('U0CAROL', 2));
    expect(again).toMatchObject({ ok: false, rule: 'one-vote-per-person' });
    const two = applyVote(g1, approve('U0DAVE', 3));
    expect(two).toMatchObject({ ok: true, decided: true });
    expect(two.ok && two.gate.status).toBe('approved');
    expect(two.ok && stageOutcomeOf(two.gate)).toMatchObject({ status: 'succeeded' });
  });

  it('never lets the requester approve', () => {
    expect(applyVote(gate(), approve('U0BOB'))).toMatchObject({ ok: false, rule: 'requester-cannot-approve' });
  });

  it('ends on one rejection when the policy says so, and keeps the reason (escaped)', () => {
    const r = applyVote(gate(), { kind: 'reject', user: 'U0DAVE', at: 5, reason: 'no <!channel> please' });
    expect(r.ok && r.gate.status).toBe('rejected');
    expect(toPlainText(r.ok ? (stageOutcomeOf(r.gate).summary ?? '') : '')).toBe('Rejected by <@U0DAVE>: no &lt;!channel&gt; please');
  });

  it('records a rejection but stays open when rejections do not end the run', () => {
    const g = gate({ policy: { ...gate().policy, rejectEndsRun: false } });
    const r = applyVote(g, { kind: 'reject', user: 'U0DAVE', at: 5, reason: 'hmm' });
    expect(r).toMatchObject({ ok: true, decided: false });
    const after = r.ok ? r.gate : g;
    expect(applyVote(after, approve('U0DAVE'))).toMatchObject({ ok: false, rule: 'one-vote-per-person' });
  });

  it('refuses votes once decided or past the expiry, and expires only an open gate', () => {
    const expired = expireGate(gate(), 70_000)!;
    expect(expired.status).toBe('expired');
    expect(expireGate(expired, 80_000)).toBeNull();
    expect(applyVote(expired, approve('U0CAROL'))).toMatchObject({ ok: false, rule: 'gate-decided' });
    expect(applyVote(gate(), approve('U0CAROL', 60_000))).toMatchObject({ ok: false, rule: 'gate-expired' });
  });

  it('in any order of presses, approves exactly when enough distinct non-requesters approved (property)', () => {
    const users = fc.constantFrom('U0BOB', 'U0CAROL', 'U0DAVE', 'U0ERIN');
    fc.assert(
      fc.property(fc.array(users, { maxLength: 12 }), fc.integer({ min: 1, max: 3 }), (presses, required) => {
        let g = gate({ policy: { ...gate().policy, required } });
        for (const u of presses) {
          const r = applyVote(g, approve(u));
          if (r.ok) g = r.gate;
        }
        const distinct = new Set(presses.filter((u) => u !== 'U0BOB'));
        expect(g.approvals.map((a) => a.user)).toEqual([...new Set(g.approvals.map((a) => a.user))]);
        expect(g.approvals.length).toBe(Math.min(distinct.size, required));
        expect(g.status).toBe(distinct.size >= required ? 'approved' : 'pending');
      }),
    );
  });
});
