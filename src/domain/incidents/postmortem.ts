import { formatDuration } from '../../core/time.js';
import { ROLE_LABEL, ROLES, type Incident, type TimelineEntry } from './model.js';
import { fmtTime } from './summary.js';
import { toPlainText } from '../../core/outbound.js';

/**
 * A postmortem is a document, not a message: plain Markdown with no outbound markers, and Slack
 * ids in timeline text become readable handles (`<@U1>` -> `@U1`).
 */
function plain(text: string): string {
  return toPlainText(text)
    .replace(/^([UW][A-Z0-9]+)$/, '@$1')
    .replace(/<@([UW][A-Z0-9]+)(?:\|[^>]*)?>/g, '@$1')
    .replace(/<#([CG][A-Z0-9]+)(?:\|[^>]*)?>/g, '#$1');
}

/** A postmortem draft in Markdown: summary, impact, timeline, roles, durations and follow-ups. */
export function postmortemMarkdown(inc: Incident, timeline: TimelineEntry[]): string {
  const tta = inc.ackedAt ? formatDuration(inc.ackedAt - inc.declaredAt) : 'not acknowledged';
  const ttr = inc.resolvedAt ? formatDuration(inc.resolvedAt - inc.declaredAt) : 'not resolved';
  const lines = [
    `# Postmortem draft: ${inc.id} ${plain(inc.title)}`,
    '',
    '## Summary',
    '',
    plain(inc.resolution ?? '_To be written._'),
    '',
    '## Impact',
    '',
    `- Severity: ${inc.severity}`,
    `- Services affected: ${inc.services.join(', ') || 'none named'}`,
    `- Declared: ${fmtTime(inc.declaredAt)} (from ${inc.source})`,
    ...(inc.resolvedAt ? [`- Resolved: ${fmtTime(inc.resolvedAt)}`] : []),
    ...(inc.tickets.length ? [`- Help desk tickets: ${inc.tickets.join(', ')}`] : []),
    ...(inc.description ? [`- Reported: ${plain(inc.description)}`] : []),
    '',
    '## Durations',
    '',
    `- Time to acknowledge: ${tta}`,
    `- Time to resolve: ${ttr}`,
    '',
    '## Roles',
    '',
    ...ROLES.map((r) => `- ${ROLE_LABEL[r]}: ${inc.roles[r] ? `@${inc.roles[r]}` : 'unassigned'}`),
    '',
    '## Timeline (UTC)',
    '',
    '| Time | What | Who |',
    '| --- | --- | --- |',
    ...timeline.map((e) => {
      const what = plain(e.text).replace(/\|/g, '\\|').replace(/\n/g, ' ');
      return `| ${fmtTime(e.at).slice(0, 16)} | ${e.kind}: ${what} | ${e.actor ? plain(e.actor) : ''} |`;
    }),
    '',
    '## Follow-ups',
    '',
    ...(inc.followUps?.length ? inc.followUps.map((f) => `- [ ] ${plain(f)}`) : ['- [ ] _Add follow-up items._']),
    '',
  ];
  return lines.join('\n');
}
