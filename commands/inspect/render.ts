import {
  actions,
  context,
  escapeMrkdwn,
  link,
  md,
  mdMessage,
  mention,
  sections,
  type Block,
  type MessageContent,
} from '../../src/core/blocks.js';
import { formatDuration } from '../../src/core/time.js';
import type { FindingRecord } from '../../src/domain/inspect/finding-store.js';
import { isAccepted } from '../../src/domain/inspect/finding-store.js';
import type { GateState, InspectPresenter } from '../../src/domain/inspect/presenter.js';
import {
  bySeverityDesc,
  countBySeverity,
  SEVERITIES,
  type Finding,
  type InspectorResult,
  type Verdict,
} from '../../src/domain/inspect/types.js';
import { FAIL, OVERRIDE } from './actions.js';

/** Slack texts of inspectors: compact verdicts in a run's thread, findings in team channels. */
export const VERDICT_ICON: Record<Verdict, string> = { pass: ':white_check_mark:', warn: ':warning:', fail: ':x:' };
const SEV_ICON: Record<string, string> = {
  critical: ':red_circle:',
  high: ':large_orange_circle:',
  medium: ':large_yellow_circle:',
  low: ':white_circle:',
  info: ':white_circle:',
};
export const TOP_FINDINGS = 3;

export function countsText(findings: readonly Finding[]): string {
  const c = countBySeverity(findings);
  const parts = [...SEVERITIES]
    .reverse()
    .filter((s) => c[s])
    .map((s) => `${c[s]} ${s}`);
  return parts.length ? parts.join(', ') : 'no findings';
}

/**
 * A URL from a report is untrusted: only plain http(s) without characters that end or split a
 * Slack link is linked; anything else is not linked at all.
 */
export function safeUrl(raw: string | undefined): string | undefined {
  if (!raw || raw.length > 500 || /[\s<>|"`]/.test(raw)) return undefined;
  try {
    const u = new URL(raw);
    return u.protocol === 'https:' || u.protocol === 'http:' ? raw : undefined;
  } catch {
    return undefined;
  }
}

/** The advisory or rule id (`CVE-2019-14697`, a SARIF ruleId), linked where the report gave a URL. */
export function ruleRef(ruleId: string, url?: string): string {
  const id = ruleId.slice(0, 90);
  const href = safeUrl(url);
  return href ? link(href, id) : `\`${escapeMrkdwn(id)}\``;
}

export function findingLine(f: Finding): string {
  const where = f.location ? ` · \`${escapeMrkdwn(f.location).slice(0, 120)}\`` : '';
  const fix = f.fix ? `\n      _fix:_ ${escapeMrkdwn(f.fix).slice(0, 200)}` : '';
  return `    ${SEV_ICON[f.severity] ?? ''} *${f.severity}* ${ruleRef(f.id, f.url)} ${escapeMrkdwn(f.title).slice(0, 200)}${where}${fix}`;
}

export function inspectorLine(r: InspectorResult): string {
  const top = [...r.findings].sort(bySeverityDesc).slice(0, TOP_FINDINGS);
  const more = r.findings.length > top.length ? `\n    …and ${r.findings.length - top.length} more (see the stage details)` : '';
  const notes = r.notes.length ? `\n    _${escapeMrkdwn(r.notes.join('; ')).slice(0, 300)}_` : '';
  return (
    [`${VERDICT_ICON[r.verdict]} *${r.inspector}* ${r.verdict} (${countsText(r.findings)})`, ...top.map(findingLine)].join('\n') +
    more +
    notes
  );
}

export function verdictText(stageId: string, verdict: Verdict, results: readonly InspectorResult[]): string {
  return [`${VERDICT_ICON[verdict]} *Inspection \`${stageId}\`: ${verdict}*`, ...results.map(inspectorLine)].join('\n');
}

/** The blocking message under a failed inspection: who may override, and the two buttons. */
export function gateContent(runId: string, stageId: string, state: GateState): MessageContent {
  const value = { runId, stageId };
  if (state.status === 'waiting') {
    const text =
      `:no_entry: Inspection \`${stageId}\` failed: run \`${runId}\` is blocked. ` + 'An eligible approver may override it with a reason.';
    const blocks: Block[] = [
      md(text),
      actions([
        OVERRIDE.button({
          text: 'Override…',
          value,
          style: 'primary',
          confirm: {
            title: 'Override this inspection?',
            text: 'The run continues past a failed inspection. A form asks why it is safe; the override is audited.',
            confirm: 'Override',
            deny: 'Cancel',
          },
        }),
        FAIL.button({
          text: 'Fail run',
          value,
          style: 'danger',
          confirm: { title: 'Fail this run?', text: `Run ${runId} stops here as failed.`, confirm: 'Fail the run', deny: 'Cancel' },
        }),
      ]),
    ];
    return { text, blocks };
  }
  const text =
    state.status === 'overridden'
      ? `:unlock: Inspection \`${stageId}\` of run \`${runId}\` was overridden by ${mention(state.by)}: ` +
        `“${escapeMrkdwn(state.reason ?? '')}”`
      : state.status === 'closed'
        ? `:no_entry_sign: Run \`${runId}\` ended while inspection \`${stageId}\` waited; nothing to override.`
        : `:x: Run \`${runId}\` was failed at inspection \`${stageId}\` by ${mention(state.by)}.`;
  return mdMessage(text);
}

// ---------------------------------------------------------------- landing-zone findings
export function findingContent(r: FindingRecord, now: number): MessageContent {
  const state =
    r.status === 'fixed'
      ? ':white_check_mark: *Fixed*'
      : isAccepted(r, now)
        ? ':shield: *Accepted risk*'
        : ':rotating_light: *New finding*';
  const title = r.status === 'fixed' ? `~${escapeMrkdwn(r.title)}~` : escapeMrkdwn(r.title);
  const text =
    `${state} \`${r.id}\` · ${ruleRef(r.ruleId, r.url)} · ${SEV_ICON[r.severity] ?? ''} *${r.severity}* · ` +
    `${r.inspector} · ${r.service} in ${r.env}\n${title}`;
  const lines = [
    r.location ? `*Where:* \`${escapeMrkdwn(r.location)}\`` : '',
    r.fix && r.status !== 'fixed' ? `*Fix:* ${escapeMrkdwn(r.fix)}` : '',
    r.accepted
      ? `*Accepted* by ${mention(r.accepted.by)} until ${new Date(r.accepted.until).toISOString().slice(0, 10)}: ` +
        `“${escapeMrkdwn(r.accepted.reason)}”`
      : '',
  ].filter(Boolean);
  const blocks: Block[] = [md(text), ...(lines.length ? [md(lines.join('\n'))] : [])];
  if (r.status === 'open')
    blocks.push(
      context(
        `Accept the risk: \`/inspect ack ${r.id} "reason" --expires 30d\` · list: \`/inspect findings --service ${r.service} --open\``,
      ),
    );
  return { text, blocks };
}

export function findingListLine(r: FindingRecord, now: number): string {
  const state =
    r.status === 'fixed'
      ? `fixed ${formatDuration(now - (r.fixedAt ?? now))} ago`
      : isAccepted(r, now)
        ? `accepted until ${new Date(r.accepted!.until).toISOString().slice(0, 10)}`
        : `open ${formatDuration(now - r.firstSeen)}`;
  return (
    `${SEV_ICON[r.severity] ?? ''} \`${r.id}\` *${r.severity}* ${r.service}/${r.env} · ${r.inspector} · ` +
    `${ruleRef(r.ruleId, r.url)} ${escapeMrkdwn(r.title).slice(0, 160)} _(${state})_`
  );
}

// ---------------------------------------------------------------- scan batches
/** One line per finding of a batch post: severity, advisory id (linked), finding id, title, place, state. */
export function batchLine(r: FindingRecord, scanId: string, now: number): string {
  const id = `${ruleRef(r.ruleId, r.url)} \`${r.id}\``;
  const where = r.location ? ` · \`${escapeMrkdwn(r.location).slice(0, 120)}\`` : '';
  const title = escapeMrkdwn(r.title).slice(0, 200);
  if (r.scan !== scanId) return `:repeat: ${id} ${title} _(back after a fix: see the newer post)_`;
  if (r.status === 'fixed') return `:white_check_mark: *Fixed* ${id} ~${title}~`;
  if (isAccepted(r, now)) {
    const a = r.accepted!;
    return (
      `:shield: *Accepted risk* ${id} ${title} _(by ${mention(a.by)} until ${new Date(a.until).toISOString().slice(0, 10)}: ` +
      `“${escapeMrkdwn(a.reason).slice(0, 160)}”)_`
    );
  }
  const fix = r.fix ? `\n      _fix:_ ${escapeMrkdwn(r.fix).slice(0, 200)}` : '';
  return `${SEV_ICON[r.severity] ?? ''} *${r.severity}* ${id} ${title}${where}${fix}`;
}

/**
 * The one post of a scan batch: a header with counts by severity, then every finding, packed into
 * as many Slack-sized sections as needed. Re-rendered as findings are fixed or accepted.
 */
export function batchContent(
  b: { id: string; inspector: string; env: string; service: string },
  records: readonly FindingRecord[],
  now: number,
): MessageContent {
  const mine = records.filter((r) => r.scan === b.id);
  const open = mine.filter((r) => r.status === 'open' && !isAccepted(r, now));
  const fixed = mine.filter((r) => r.status === 'fixed').length;
  const accepted = mine.length - open.length - fixed;
  const closed = [fixed ? `${fixed} fixed` : '', accepted ? `${accepted} accepted` : ''].filter(Boolean).join(', ');
  const head = open.length
    ? `:rotating_light: *New findings* · ${b.inspector} · ${b.service} in ${b.env}: ` +
      `${open.length === mine.length ? mine.length : `${open.length} of ${mine.length} open`} ` +
      `(${countsText(open.map(asFinding))})${closed ? `; ${closed}` : ''}`
    : `:white_check_mark: *Findings closed* · ${b.inspector} · ${b.service} in ${b.env}: ${closed || 'none left'}`;
  const lines = records.map((r) => batchLine(r, b.id, now));
  const body = [head, ...lines].join('\n');
  const text = body.length > 3000 ? `${body.slice(0, 2990)}…` : body;
  const hint = open.length
    ? context(
        `Accept a risk: \`/inspect ack <finding-id> "reason" --expires 30d\` · list: \`/inspect findings --service ${b.service} --open\``,
      )
    : context(`All findings of this scan are fixed or accepted.`);
  return { text, blocks: [md(head), ...sections(lines), hint] };
}

const asFinding = (r: FindingRecord): Finding => ({ id: r.ruleId, severity: r.severity, title: r.title });

// ---------------------------------------------------------------- landing-zone health
export const cannotRunContent = (label: string, reason: string): MessageContent =>
  mdMessage(
    `:warning: *Inspection cannot run:* ${escapeMrkdwn(label)}: ${escapeMrkdwn(reason).slice(0, 500)}. ` +
      'Until it works again nothing there is inspected and its findings stay as they are. ' +
      'I will say here when it recovers.',
  );

export const cannotRunEndedContent = (label: string, downMs: number): MessageContent =>
  mdMessage(`:white_check_mark: ~Inspection cannot run: ${escapeMrkdwn(label)}~ Recovered after ${formatDuration(downMs)}.`);

export const recoveredContent = (label: string): MessageContent =>
  mdMessage(`:white_check_mark: *Inspection recovered:* ${escapeMrkdwn(label)} runs again.`);

/** The inspect capability's presenter port (src/domain/inspect/presenter.ts), as Slack shows it. */
export const inspectPresenter: InspectPresenter = {
  verdictNote: verdictText,
  gate: gateContent,
  finding: findingContent,
  batch: batchContent,
  cannotRun: cannotRunContent,
  cannotRunEnded: cannotRunEndedContent,
  recovered: recoveredContent,
};
