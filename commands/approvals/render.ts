import {
  actions,
  type Block,
  type ButtonSpec,
  channelLink,
  context,
  escapeMrkdwn,
  fields,
  link,
  md,
  mention,
  type MessageContent,
} from '../../src/core/blocks.js';
import type { PlanSummary } from '../../src/domain/contracts.js';
import type { Gate } from '../../src/domain/approvals/gate.js';
import { when } from '../../src/domain/approvals/when.js';
import type { CopyKind, GatePresenter } from '../../src/domain/approvals/presenter.js';
import { APPROVE, APPROVE_COMMENT, REJECT } from './actions.js';
import { decisionNote, gateTitle, policyLine, reminderText, statusLine } from './gate-text.js';

/**
 * Every copy of an approval request (run thread, approval channel, each DM, App Home,
 * `/pipeline approvals`) is rendered from the gate document alone, so an update after a vote or
 * a restart shows the same thing everywhere.
 */

/** How many requests a list (App Home, `/pipeline approvals`) shows. */
export const MAX_LISTED = 10;

export function gateButtons(g: Gate): ButtonSpec[] {
  return [
    APPROVE.button({ text: 'Approve', value: g.id, style: 'primary' }),
    APPROVE_COMMENT.button({ text: 'Approve with comment', value: g.id }),
    REJECT.button({
      text: 'Reject',
      value: g.id,
      style: 'danger',
      confirm: {
        title: 'Reject this request?',
        text: 'A rejection stops the run at this gate. A form asks for the reason next.',
        confirm: 'Reject',
        deny: 'Cancel',
      },
    }),
  ];
}

const needed = (n: number): string => `${n} approval${n === 1 ? '' : 's'} needed`;

function pendingDmLine(g: Gate): string {
  return (
    `:hourglass_flowing_sand: *Waiting for approval*: ${needed(g.policy.required)}. ` +
    `${g.policy.channel ? `The run thread and ${channelLink(g.policy.channel)} show` : 'The run thread shows'} the progress; ` +
    'this message is updated once the request is decided.'
  );
}

const PLAN_MARK: Record<PlanSummary['changes'][number]['action'], string> = {
  delete: ':red_circle: *destroy*',
  replace: ':large_orange_circle: *replace*',
  update: ':large_yellow_circle: update',
  create: ':large_green_circle: create',
};

/** An infrastructure stage's plan: counts, then each change by address, destroys and replacements first (bold). */
export function planText(stageId: string, p: PlanSummary): string {
  const c = p.counts;
  const destroys = c.delete + c.replace ? `*${c.delete} to destroy, ${c.replace} to replace*` : '0 to destroy';
  const head =
    `*Plan* of \`${escapeMrkdwn(stageId)}\` (${escapeMrkdwn(p.tool)}, ${escapeMrkdwn(p.target)}): ` +
    `${c.create} to add, ${c.update} to change, ${destroys}`;
  const lines = p.changes.map((x) => `${PLAN_MARK[x.action]} \`${escapeMrkdwn(x.address)}\``);
  if (p.omitted) lines.push(`…and ${p.omitted} more`);
  // A section holds 3000 characters: the head and the most important changes come first.
  return [head, ...lines].join('\n').slice(0, 2900);
}

/** The full request, as posted in the thread, the approval channel and each DM (see CopyKind). */
export function requestContent(g: Gate, kind: CopyKind = 'live'): MessageContent {
  const dmPending = kind === 'dm' && g.status === 'pending';
  const blocks: Block[] = [
    md(
      `:shield: *Approval ${g.status === 'pending' ? 'needed' : 'request'}*: ` +
        `deploy *${escapeMrkdwn(g.service)}* \`${escapeMrkdwn(g.ref)}\` to *${escapeMrkdwn(g.env)}*`,
    ),
    fields([
      ['Pipeline', `\`${g.pipeline}\``],
      ['Run', `\`${g.runId}\``],
      ['Requested by', mention(g.requestedBy)],
      ['Environment', g.env],
    ]),
  ];
  const changes = [g.changes ? escapeMrkdwn(g.changes) : '', ...g.links.map((l) => link(l))].filter(Boolean);
  if (changes.length) blocks.push(md(`*Changes*\n${changes.join('\n')}`));
  for (const p of g.plans ?? []) blocks.push(md(planText(p.stageId, p.summary)));
  blocks.push(context(policyLine(g)), md(dmPending ? pendingDmLine(g) : statusLine(g)));
  if (g.status === 'pending') blocks.push(actions(gateButtons(g), `approval-${g.id}`));
  const text =
    `${g.status === 'pending' ? 'Approval needed' : `Approval ${g.status}`}: ${gateTitle(g)} (requested by ${mention(g.requestedBy)}). ${
      dmPending ? `${needed(g.policy.required)}.` : g.status === 'pending' ? `${g.approvals.length} of ${g.policy.required} approvals.` : ''
    }`.trim();
  return { text, blocks };
}

/** A short entry for lists (App Home, `/pipeline approvals`), with the buttons. */
export function listEntry(g: Gate): Block[] {
  return [
    md(
      `*${escapeMrkdwn(gateTitle(g))}* · asked by ${mention(g.requestedBy)}\n` +
        `${g.approvals.length} of ${g.policy.required} approvals · expires ${when(g.expiresAt)}`,
    ),
    actions(gateButtons(g), `approval-list-${g.id}`),
  ];
}

/** The Slack side of the GatePresenter port, wired by src/app/modules/approvals.ts. */
export const gatePresenter: GatePresenter = { request: requestContent, reminder: reminderText, decisionNote };
