import { z } from 'zod';
import type { Actor } from '../../src/core/access.js';
import type { Reply } from '../../src/core/commands/spec.js';
import { defineAction, text } from '../../src/core/edges.js';
import { ForbiddenError, InvalidStateError } from '../../src/core/errors.js';
import type { ActionHandler, AppContext } from '../../src/core/module.js';
import type { Decisions, Refusal } from '../../src/domain/approvals/decisions.js';
import type { GateStore } from '../../src/domain/approvals/gates.js';
import { approvalModal, APPROVER } from './views.js';

/**
 * The three buttons of a request (Approve, Approve with comment, Reject) and what a press does.
 * Refusals are audited by Decisions with the gate, run and policy, then shown to the presser only,
 * naming the rule.
 */
export const ACTION_APPROVE = 'approval.approve';
export const ACTION_APPROVE_COMMENT = 'approval.approve-comment';
export const ACTION_REJECT = 'approval.reject';

/** The value of each button is the gate id. */
const gateId = text(z.string().min(1).max(200));
export const APPROVE = defineAction({ id: ACTION_APPROVE, value: gateId });
export const APPROVE_COMMENT = defineAction({ id: ACTION_APPROVE_COMMENT, value: gateId });
export const REJECT = defineAction({ id: ACTION_REJECT, value: gateId });

function refusal(r: Refusal): never {
  throw new ForbiddenError(r.message, r.rule, [`Rule: \`${r.rule}\`. Nothing was changed.`]);
}

export function approvalActions(ctx: AppContext, gates: GateStore, decisions: Decisions): ActionHandler[] {
  const openModal = async (a: { value: string; actor: Actor; triggerId?: string }, kind: 'approve' | 'reject'): Promise<Reply | void> => {
    const refused = await decisions.precheck(a.value, a.actor, kind);
    if (refused) refusal(refused);
    if (!a.triggerId)
      throw new InvalidStateError('Slack sent no trigger id with this press, so no dialog can open; press the button again.');
    const g = await gates.require(a.value);
    await ctx.chat.openModal(a.triggerId, approvalModal(g, kind));
  };
  return [
    APPROVE.handler({
      permission: APPROVER,
      async handle(a) {
        const answer = await decisions.vote(a.value, a.actor, { kind: 'approve' });
        if (!answer.ok) refusal(answer);
        return { text: `:white_check_mark: ${answer.text}` };
      },
    }),
    APPROVE_COMMENT.handler({ permission: APPROVER, handle: (a) => openModal(a, 'approve') }),
    REJECT.handler({ permission: APPROVER, handle: (a) => openModal(a, 'reject') }),
  ];
}
