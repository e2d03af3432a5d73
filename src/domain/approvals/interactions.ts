import { z } from 'zod';
import type { Actor } from '../../core/access.js';
import { type Block, context, escapeMrkdwn, header, md, mention } from '../../core/blocks.js';
import { policy, sub, type Reply, type SubcommandSpec } from '../../core/commands/spec.js';
import { defineView, formText, json } from '../../core/edges.js';
import { ForbiddenError, InvalidStateError } from '../../core/errors.js';
import type { ActionHandler, AppContext, ViewHandler } from '../../core/module.js';
import type { HomeSection } from '../../core/home.js';
import type { Decisions, Refusal } from './decisions.js';
import type { GateStore } from './gates.js';
import { APPROVE, APPROVE_COMMENT, REJECT, gateTitle, listEntry, policyLine, statusLine } from './render.js';

/**
 * Buttons (Approve, Approve with comment, Reject), the two modals, `/pipeline approvals` and the
 * App Home section. Refusals are audited by Decisions with the gate, run and policy, then shown to
 * the presser only, naming the rule.
 */
export const VIEW_APPROVE = 'approval.approve-modal';
export const VIEW_REJECT = 'approval.reject-modal';

const MAX_LISTED = 10;

function refusal(r: Refusal): never {
  throw new ForbiddenError(r.message, r.rule, [`Rule: \`${r.rule}\`. Nothing was changed.`]);
}

/** The two forms: the gate id travels in the private metadata. */
const meta = json(z.object({ gateId: z.string().min(1).max(200) }));
const APPROVE_FORM = defineView({ id: VIEW_APPROVE, metadata: meta, values: z.object({ comment: formText }) });
const REJECT_FORM = defineView({
  id: VIEW_REJECT,
  metadata: meta,
  values: z.object({ reason: formText.refine((s) => s.length > 0, 'Give a reason: the requester and the run thread will see it.') }),
});
const APPROVER = policy('an approver named by the gate policy');

export function approvalActions(ctx: AppContext, gates: GateStore, decisions: Decisions): ActionHandler[] {
  const openModal = async (a: { value: string; actor: Actor; triggerId?: string }, kind: 'approve' | 'reject'): Promise<Reply | void> => {
    const refused = await decisions.precheck(a.value, a.actor, kind);
    if (refused) refusal(refused);
    if (!a.triggerId)
      throw new InvalidStateError('Slack sent no trigger id with this press, so no dialog can open; press the button again.');
    const g = await gates.require(a.value);
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
    await ctx.chat.openModal(
      a.triggerId,
      (kind === 'reject' ? REJECT_FORM : APPROVE_FORM).modal({
        title: kind === 'reject' ? 'Reject deployment' : 'Approve deployment',
        submit: kind === 'reject' ? 'Reject' : 'Approve',
        blocks: [...summary, input],
        metadata: { gateId: g.id },
      }),
    );
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

/** `/pipeline approvals`: the open requests this person may still decide, with their buttons. */
export function approvalsSubcommand(gates: GateStore): SubcommandSpec {
  return sub({
    name: 'approvals',
    summary: 'Approval requests waiting for you, with Approve / Reject buttons',
    args: z.object({}),
    permission: null,
    readOnly: true,
    async handle(_args, cmd) {
      const waiting = await gates.waitingFor(cmd.actor);
      if (!waiting.length) return { text: 'No approval requests are waiting for you.' };
      const shown = waiting.slice(0, MAX_LISTED);
      const more = waiting.length - shown.length;
      const text = `${waiting.length} approval request${waiting.length === 1 ? '' : 's'} waiting for you.`;
      return { text, blocks: [md(`*${text}*${more > 0 ? ` The oldest ${MAX_LISTED} are shown.` : ''}`), ...shown.flatMap(listEntry)] };
    },
  });
}

export function approvalsHome(ctx: AppContext, gates: GateStore): HomeSection {
  return {
    order: 10,
    async render(userId) {
      const waiting = await gates.waitingFor(await ctx.access.actor(userId));
      const own = (await gates.unsettled()).filter((g) => g.status === 'pending' && g.requestedBy === userId);
      if (!waiting.length && !own.length) return [];
      const blocks: Block[] = [header('Approvals waiting for you')];
      if (!waiting.length) blocks.push(md('_Nothing waits for your approval._'));
      blocks.push(...waiting.slice(0, MAX_LISTED).flatMap(listEntry));
      if (own.length) {
        blocks.push(md('*Your deployments waiting for approval*'));
        for (const g of own.slice(0, MAX_LISTED)) blocks.push(md(`*${escapeMrkdwn(gateTitle(g))}*\n${statusLine(g)}`));
      }
      return blocks;
    },
  };
}
