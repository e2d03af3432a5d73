import { escapeMrkdwn, mention } from '../../src/core/blocks.js';
import { formatDuration } from '../../src/core/time.js';
import { approvalsNeeded, type Gate } from '../../src/domain/approvals/gate.js';
import { describeApprovers } from '../../src/domain/approvals/policy.js';
import { when } from '../../src/domain/approvals/when.js';

/**
 * The mrkdwn lines about a gate that the request, the lists, the modals and the run thread share
 * (no blocks here, so the modals in views.ts and the renderers in render.ts can both use them).
 */
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

export function reminderText(g: Gate, leftMs: number): string {
  return (
    `:alarm_clock: Reminder: the approval for *${escapeMrkdwn(gateTitle(g))}* expires in ${formatDuration(leftMs)}; ` +
    `${approvalsNeeded(g)} more approval${approvalsNeeded(g) === 1 ? '' : 's'} needed.`
  );
}

export function decisionNote(g: Gate): string {
  return `${statusLine(g)} (gate \`${g.id}\`, policy \`${g.policy.name}\`)`;
}
