import { z } from 'zod';
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
  slackDate,
} from '../../core/blocks.js';
import { defineAction, text } from '../../core/edges.js';
import { formatDuration } from '../../core/time.js';
import { approvalsNeeded, type Gate } from './gate.js';
import { describeApprovers } from './policy.js';

/**
 * Every copy of an approval request (run thread, approval channel, each DM, App Home,
 * `/pipeline approvals`) is rendered from the gate document alone, so an update after a vote or
 * a restart shows the same thing everywhere.
 */
export const ACTION_APPROVE = 'approval.approve';
export const ACTION_APPROVE_COMMENT = 'approval.approve-comment';
export const ACTION_REJECT = 'approval.reject';

/** The three buttons of a request; the value is the gate id. */
const gateId = text(z.string().min(1).max(200));
export const APPROVE = defineAction({ id: ACTION_APPROVE, value: gateId });
export const APPROVE_COMMENT = defineAction({ id: ACTION_APPROVE_COMMENT, value: gateId });
export const REJECT = defineAction({ id: ACTION_REJECT, value: gateId });

/** `12:01 UTC`; Slack shows the reader's local time through the date token. */
export function when(at: number): string {
  const iso = new Date(at).toISOString();
  return slackDate(at, `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`);
}

export function gateTitle(g: Gate): string {
  return `${g.pipeline} ${g.runId}: ${g.service} ${g.ref} to ${g.env}`;
}

export function policyLine(g: Gate): string {
  const p = g.policy;
  return `Policy \`${p.name}\`: ${p.required} approval${p.required === 1 ? '' : 's'} from ${describeApprovers(p.approvers)} · ${
    p.rejectEndsRun ? 'one rejection stops the run' : 'rejections are recorded'
  } · times out after ${formatDuration(p.timeoutMs)} (${when(g.expiresAt)})`;
}

export function statusLine(g: Gate): string {
  const approved = g.approvals.map((a) => `${mention(a.user)} (${when(a.at)}${a.comment ? `: “${escapeMrkdwn(a.comment)}”` : ''})`);
  const rejected = g.rejections.map((r) => `${mention(r.user)} (${when(r.at)}): “${escapeMrkdwn(r.reason)}”`);
  switch (g.status) {
    case 'pending': {
      const lines = [
        `:hourglass_flowing_sand: *Waiting for approval*: ${g.approvals.length} of ${g.policy.required}, ` +
          `${approvalsNeeded(g)} more needed.`,
      ];
      if (approved.length) lines.push(`Approved by ${approved.join(', ')}`);
      if (rejected.length) lines.push(`Rejected by ${rejected.join(', ')}`);
      return lines.join('\n');
    }
    case 'approved':
      return `:white_check_mark: *Approved* by ${approved.join(', ')}. The run continues.`;
    case 'rejected':
      return `:x: *Rejected* by ${rejected[rejected.length - 1] ?? 'an approver'}. The run stops.`;
    case 'expired':
      return (
        `:alarm_clock: *Expired* ${when(g.decidedAt ?? g.expiresAt)} with ` +
        `${g.approvals.length} of ${g.policy.required} approvals. The run stops.`
      );
    default:
      return ':no_entry_sign: *Cancelled*: the run was stopped.';
  }
}

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

/**
 * Which copy is rendered. The run thread and the approval channel are the live request, updated
 * on every vote. A DM is posted once and updated only when the gate is decided (each update of
 * 20 DMs per vote would spend the `chat.update` budget), so while pending it states what is
 * needed rather than a count that would go stale.
 */
export type CopyKind = 'live' | 'dm';

const needed = (n: number): string => `${n} approval${n === 1 ? '' : 's'} needed`;

function pendingDmLine(g: Gate): string {
  return (
    `:hourglass_flowing_sand: *Waiting for approval*: ${needed(g.policy.required)}. ` +
    `${g.policy.channel ? `The run thread and ${channelLink(g.policy.channel)} show` : 'The run thread shows'} the progress; ` +
    'this message is updated once the request is decided.'
  );
}

/** The full request, as posted in the thread, the approval channel and each DM. */
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

export function reminderText(g: Gate, leftMs: number): string {
  return (
    `:alarm_clock: Reminder: the approval for *${escapeMrkdwn(gateTitle(g))}* expires in ${formatDuration(leftMs)}; ` +
    `${approvalsNeeded(g)} more approval${approvalsNeeded(g) === 1 ? '' : 's'} needed.`
  );
}

export function decisionNote(g: Gate): string {
  return `${statusLine(g)} (gate \`${g.id}\`, policy \`${g.policy.name}\`)`;
}
