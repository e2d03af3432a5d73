import { actions, context, escapeMrkdwn, md, type Block, type MessageContent, mdMessage } from '../../core/blocks.js';
import { formatDuration } from '../../core/time.js';
import type { FindingRecord } from './finding-store.js';
import { isAccepted } from './finding-store.js';
import { bySeverityDesc, countBySeverity, SEVERITIES, type Finding, type InspectorResult, type Verdict } from './types.js';

/** Slack texts of inspectors: compact verdicts in a run's thread, findings in team channels. */
export const VERDICT_ICON: Record<Verdict, string> = { pass: ':white_check_mark:', warn: ':warning:', fail: ':x:' };
const SEV_ICON: Record<string, string> = { critical: ':red_circle:', high: ':large_orange_circle:', medium: ':large_yellow_circle:', low: ':white_circle:', info: ':white_circle:' };
export const TOP_FINDINGS = 3;

export const ACTION_OVERRIDE = 'inspect.override';
export const ACTION_FAIL = 'inspect.fail-run';
export const VIEW_OVERRIDE = 'inspect.override';

export function countsText(findings: readonly Finding[]): string {
  const c = countBySeverity(findings);
  const parts = [...SEVERITIES].reverse().filter((s) => c[s]).map((s) => `${c[s]} ${s}`);
  return parts.length ? parts.join(', ') : 'no findings';
}

export function findingLine(f: Finding): string {
  const where = f.location ? ` · \`${escapeMrkdwn(f.location).slice(0, 120)}\`` : '';
  const fix = f.fix ? `\n      _fix:_ ${escapeMrkdwn(f.fix).slice(0, 200)}` : '';
  return `    ${SEV_ICON[f.severity] ?? ''} *${f.severity}* \`${escapeMrkdwn(f.id).slice(0, 90)}\` ${escapeMrkdwn(f.title).slice(0, 200)}${where}${fix}`;
}

export function inspectorLine(r: InspectorResult): string {
  const top = [...r.findings].sort(bySeverityDesc).slice(0, TOP_FINDINGS);
  const more = r.findings.length > top.length ? `\n    …and ${r.findings.length - top.length} more (see the stage details)` : '';
  const notes = r.notes.length ? `\n    _${escapeMrkdwn(r.notes.join('; ')).slice(0, 300)}_` : '';
  return [`${VERDICT_ICON[r.verdict]} *${r.inspector}* ${r.verdict} (${countsText(r.findings)})`, ...top.map(findingLine)].join('\n') + more + notes;
}

export function verdictText(stageId: string, verdict: Verdict, results: readonly InspectorResult[]): string {
  return [`${VERDICT_ICON[verdict]} *Inspection \`${stageId}\`: ${verdict}*`, ...results.map(inspectorLine)].join('\n');
}

/** The blocking message under a failed inspection: who may override, and the two buttons. */
export function gateContent(runId: string, stageId: string, state: { status: 'waiting' } | { status: 'overridden' | 'failed' | 'closed'; by: string; reason?: string }): MessageContent {
  const value = `${runId}|${stageId}`;
  if (state.status === 'waiting') {
    const text = `:no_entry: Inspection \`${stageId}\` failed: run \`${runId}\` is blocked. An eligible approver may override it with a reason.`;
    const blocks: Block[] = [
      md(text),
      actions([
        { text: 'Override…', actionId: ACTION_OVERRIDE, value, style: 'primary', confirm: { title: 'Override this inspection?', text: 'The run continues past a failed inspection. A form asks why it is safe; the override is audited.', confirm: 'Override', deny: 'Cancel' } },
        { text: 'Fail run', actionId: ACTION_FAIL, value, style: 'danger', confirm: { title: 'Fail this run?', text: `Run ${runId} stops here as failed.`, confirm: 'Fail the run', deny: 'Cancel' } },
      ]),
    ];
    return { text, blocks };
  }
  const text =
    state.status === 'overridden'
      ? `:unlock: Inspection \`${stageId}\` of run \`${runId}\` was overridden by <@${state.by}>: “${escapeMrkdwn(state.reason ?? '')}”`
      : state.status === 'closed'
        ? `:no_entry_sign: Run \`${runId}\` ended while inspection \`${stageId}\` waited; nothing to override.`
        : `:x: Run \`${runId}\` was failed at inspection \`${stageId}\` by <@${state.by}>.`;
  return mdMessage(text);
}

export function overrideModal(runId: string, stageId: string, summary: string) {
  return {
    callbackId: VIEW_OVERRIDE,
    title: 'Override inspection',
    submit: 'Override',
    close: 'Cancel',
    privateMetadata: JSON.stringify({ runId, stageId }),
    blocks: [
      md(`Run \`${runId}\`, stage \`${stageId}\` failed:\n${summary}`.slice(0, 2900)),
      {
        type: 'input',
        block_id: 'reason',
        label: { type: 'plain_text', text: 'Why is it safe to continue?' },
        element: { type: 'plain_text_input', action_id: 'reason', multiline: true, min_length: 10, max_length: 500 },
      },
    ],
  };
}

// ---------------------------------------------------------------- landing-zone findings
export function findingKey(id: string): string {
  return `finding-${id}`;
}

export function findingContent(r: FindingRecord, now: number): MessageContent {
  const state = r.status === 'fixed' ? ':white_check_mark: *Fixed*' : isAccepted(r, now) ? ':shield: *Accepted risk*' : ':rotating_light: *New finding*';
  const title = r.status === 'fixed' ? `~${escapeMrkdwn(r.title)}~` : escapeMrkdwn(r.title);
  const text = `${state} \`${r.id}\` · ${SEV_ICON[r.severity] ?? ''} *${r.severity}* · ${r.inspector} · ${r.service} in ${r.env}\n${title}`;
  const lines = [
    r.location ? `*Where:* \`${escapeMrkdwn(r.location)}\`` : '',
    r.fix && r.status !== 'fixed' ? `*Fix:* ${escapeMrkdwn(r.fix)}` : '',
    r.accepted ? `*Accepted* by <@${r.accepted.by}> until ${new Date(r.accepted.until).toISOString().slice(0, 10)}: “${escapeMrkdwn(r.accepted.reason)}”` : '',
  ].filter(Boolean);
  const blocks: Block[] = [md(text), ...(lines.length ? [md(lines.join('\n'))] : [])];
  if (r.status === 'open') blocks.push(context(`Accept the risk: \`/inspect ack ${r.id} "reason" --expires 30d\` · list: \`/inspect findings --service ${r.service} --open\``));
  return { text, blocks };
}

export function findingListLine(r: FindingRecord, now: number): string {
  const state = r.status === 'fixed' ? `fixed ${formatDuration(now - (r.fixedAt ?? now))} ago` : isAccepted(r, now) ? `accepted until ${new Date(r.accepted!.until).toISOString().slice(0, 10)}` : `open ${formatDuration(now - r.firstSeen)}`;
  return `${SEV_ICON[r.severity] ?? ''} \`${r.id}\` *${r.severity}* ${r.service}/${r.env} · ${r.inspector} · ${escapeMrkdwn(r.title).slice(0, 160)} _(${state})_`;
}
