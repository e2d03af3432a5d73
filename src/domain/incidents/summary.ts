import {
  actions,
  type Block,
  button,
  type ButtonSpec,
  context,
  divider,
  escapeMrkdwn,
  fields,
  header,
  md,
  mention,
  type MessageContent,
} from '../../core/blocks.js';
import { z } from 'zod';
import { compact, defineAction, text } from '../../core/edges.js';
import type { RunInfo } from '../contracts.js';
import { SEVERITIES } from './config.js';
import { ROLE_LABEL, ROLES, SEVERITY_EMOJI, STATUSES, isOpen, who, type Incident } from './model.js';

/** Action ids of the buttons on the pinned summary (values carry the incident id). */
export const ACTION = {
  ack: 'incident.ack',
  status: 'incident.status',
  severity: 'incident.severity',
  rollback: 'incident.rollback',
} as const;

/** The buttons and their values (`INC-7`, `INC-7|identified`, `INC-7|SEV1`, `INC-7|r42`), decoded by the core pipeline. */
const incidentId = z.string().regex(/^INC-\d+$/);
export const ACK = defineAction({ id: ACTION.ack, value: text(incidentId) });
export const STATUS = defineAction({ id: ACTION.status, value: compact({ id: incidentId, status: z.enum(STATUSES) }) });
export const SEVERITY = defineAction({ id: ACTION.severity, value: compact({ id: incidentId, severity: z.enum(SEVERITIES) }) });
export const ROLLBACK = defineAction({ id: ACTION.rollback, value: compact({ id: incidentId, runId: z.string().regex(/^r\d+$/) }) });

export const summaryKey = (id: string): string => `inc-${id}-summary`;

export function fmtTime(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').slice(0, 16) + ' UTC';
}

export function topicOf(inc: Incident): string {
  const ic = inc.roles.commander ? `IC ${mention(inc.roles.commander)}` : 'IC unassigned';
  return `${inc.severity} | ${inc.status} | ${ic} | ${inc.id} ${inc.title}`;
}

export function purposeOf(inc: Incident): string {
  return (
    `Incident ${inc.id}: ${inc.title} (${inc.services.join(', ') || 'no service'}). ` +
    `Declared ${fmtTime(inc.declaredAt)} by ${inc.declaredBy}.`
  );
}

/** A deployment shown on the summary, with what a rollback would go back to. */
export interface DeployLine {
  run: RunInfo;
}

function deployLines(runs: RunInfo[], incId: string, open: boolean): Block[] {
  if (!runs.length) return [context('No deployments of the affected services in the last 24 hours.')];
  const out: Block[] = [md('*Deployments in the last 24 hours*')];
  for (const r of runs.slice(0, 8)) {
    const line =
      `\`${r.id}\` *${escapeMrkdwn(r.service)}* \`${escapeMrkdwn(r.ref)}\` to *${escapeMrkdwn(r.env)}* ` +
      `by ${who(r.triggeredBy)} at ${fmtTime(r.startedAt ?? r.createdAt)} (${r.status})` +
      `${r.rollbackOf ? `, rollback of \`${r.rollbackOf}\`` : ''}`;
    const canRollBack = open && r.status === 'succeeded' && !r.rollbackOf;
    out.push(
      canRollBack
        ? {
            type: 'section',
            text: { type: 'mrkdwn', text: line },
            accessory: button(
              ROLLBACK.button({
                text: 'Roll back',
                value: { id: incId, runId: r.id },
                style: 'danger',
                confirm: {
                  title: 'Roll back this deployment?',
                  text: `Starts a run of ${r.pipeline} to ${r.env} with the last good ref before ${r.id}, through the same gates.`,
                  confirm: 'Roll back',
                  deny: 'Cancel',
                },
              }),
            ),
          }
        : md(line),
    );
  }
  return out;
}

export function renderSummary(inc: Incident, runs: RunInfo[]): MessageContent {
  const open = isOpen(inc);
  const roles = ROLES.map((r) => `${ROLE_LABEL[r]}: ${inc.roles[r] ? `${mention(inc.roles[r])}` : '_unassigned_'}`).join('\n');
  const blocks: Block[] = [
    header(`${inc.id}: ${inc.title}`),
    fields([
      ['Severity', `${SEVERITY_EMOJI[inc.severity]} ${inc.severity}`],
      ['Status', inc.status],
      ['Services', inc.services.join(', ') || '_none_'],
      ['Declared', `${fmtTime(inc.declaredAt)} by ${who(inc.declaredBy)}`],
      ['Roles', roles],
      ['Acknowledged', inc.ackedAt ? `${fmtTime(inc.ackedAt)} by ${who(inc.ackedBy)}` : '_not yet_'],
    ]),
  ];
  if (inc.description) blocks.push(md(escapeMrkdwn(inc.description)));
  if (inc.tickets.length) blocks.push(context(`Help desk tickets: ${inc.tickets.map((t) => `\`${escapeMrkdwn(t)}\``).join(', ')}`));
  if (inc.resolution) blocks.push(md(`*Resolution:* ${escapeMrkdwn(inc.resolution)}`));
  blocks.push(divider(), ...deployLines(runs, inc.id, open));
  if (open) {
    const buttons: ButtonSpec[] = [];
    if (!inc.ackedAt) buttons.push(ACK.button({ text: 'Acknowledge', value: inc.id, style: 'primary' }));
    for (const s of STATUSES.filter((x) => x !== inc.status && x !== 'resolved'))
      buttons.push(STATUS.button({ text: `Status: ${s}`, value: { id: inc.id, status: s } }));
    buttons.push(
      STATUS.button({
        text: 'Resolve',
        value: { id: inc.id, status: 'resolved' },
        style: 'danger',
        confirm: {
          title: `Resolve ${inc.id}?`,
          text:
            'Resolving stops reminders and escalation, tells every audience and writes the postmortem draft. ' +
            'A form asks for the resolution next.',
          confirm: 'Resolve',
          deny: 'Cancel',
        },
      }),
    );
    blocks.push(divider(), actions(buttons, 'incident-status'));
    const sev = (['SEV1', 'SEV2', 'SEV3', 'SEV4'] as const).filter((s) => s !== inc.severity);
    blocks.push(
      actions(
        sev.map((s) => SEVERITY.button({ text: s, value: { id: inc.id, severity: s } })),
        'incident-severity',
      ),
    );
  } else {
    blocks.push(context(`Resolved ${inc.resolvedAt ? fmtTime(inc.resolvedAt) : ''} by ${who(inc.resolvedBy)}.`));
  }
  const text = `${inc.id} ${inc.severity} ${inc.status}: ${inc.title}`;
  return { text, blocks };
}
