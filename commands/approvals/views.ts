import { z } from 'zod';
import { type Block, context, escapeMrkdwn, md, mention } from '../../src/core/blocks.js';
import { policy } from '../../src/core/commands/spec.js';
import { defineView, formText, json } from '../../src/core/edges.js';
import type { ViewHandler } from '../../src/core/module.js';
import type { Decisions } from '../../src/domain/approvals/decisions.js';
import type { Gate } from '../../src/domain/approvals/gate.js';
import { gateTitle, policyLine } from './gate-text.js';

/** The two forms (approve with a comment, reject with a reason): the gate id travels in the private metadata. */
export const VIEW_APPROVE = 'approval.approve-modal';
export const VIEW_REJECT = 'approval.reject-modal';

/** Who may press the buttons (actions.ts) and submit the forms: the domain decides per gate. */
export const APPROVER = policy('an approver named by the gate policy');

const meta = json(z.object({ gateId: z.string().min(1).max(200) }));
const APPROVE_FORM = defineView({ id: VIEW_APPROVE, metadata: meta, values: z.object({ comment: formText }) });
const REJECT_FORM = defineView({
  id: VIEW_REJECT,
  metadata: meta,
  values: z.object({ reason: formText.refine((s) => s.length > 0, 'Give a reason: the requester and the run thread will see it.') }),
});

/** The form a press of Approve with comment or Reject opens, with the request summarised above the input. */
export function approvalModal(g: Gate, kind: 'approve' | 'reject') {
  const summary: Block[] = [md(`*${escapeMrkdwn(gateTitle(g))}*\nasked by ${mention(g.requestedBy)}`), context(policyLine(g))];
  const input: Block =
    kind === 'reject'
      ? {
          type: 'input',
          block_id: 'reason',
          label: { type: 'plain_text', text: 'Why are you rejecting it?' },
          element: { type: 'plain_text_input', action_id: 'reason', multiline: true, max_length: 500 },
        }
      : {
          type: 'input',
          block_id: 'comment',
          optional: true,
          label: { type: 'plain_text', text: 'Comment (optional)' },
          element: { type: 'plain_text_input', action_id: 'comment', multiline: true, max_length: 500 },
        };
  return (kind === 'reject' ? REJECT_FORM : APPROVE_FORM).modal({
    title: kind === 'reject' ? 'Reject deployment' : 'Approve deployment',
    submit: kind === 'reject' ? 'Reject' : 'Approve',
    blocks: [...summary, input],
    metadata: { gateId: g.id },
  });
}

export function approvalViews(decisions: Decisions): ViewHandler[] {
  return [
    APPROVE_FORM.handler({
      permission: APPROVER,
      async handle(v) {
        const comment = v.values.comment;
        const answer = await decisions.vote(v.metadata.gateId, v.actor, { kind: 'approve', ...(comment ? { comment } : {}) });
        if (!answer.ok) return { errors: { comment: `${answer.message} (rule ${answer.rule})` } };
      },
    }),
    REJECT_FORM.handler({
      permission: APPROVER,
      async handle(v) {
        const answer = await decisions.vote(v.metadata.gateId, v.actor, { kind: 'reject', reason: v.values.reason });
        if (!answer.ok) return { errors: { reason: `${answer.message} (rule ${answer.rule})` } };
      },
    }),
  ];
}
