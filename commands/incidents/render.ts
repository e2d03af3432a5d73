import {
  actions,
  type Block,
  button,
  type ButtonSpec,
  channelLink,
  context,
  divider,
  escapeMrkdwn,
  fields,
  header,
  md,
  mdMessage,
  mention,
  type MessageContent,
} from '../../src/core/blocks.js';
import type { RunInfo } from '../../src/domain/contracts.js';
import { ROLE_LABEL, ROLES, SEVERITY_EMOJI, STATUSES, isOpen, who, type Incident } from '../../src/domain/incidents/model.js';
import { START } from '../shared/runbook-start.js';
import type { BroadcastKind, IncidentPresenter } from '../../src/domain/incidents/presenter.js';
import { fmtTime } from '../../src/domain/incidents/summary.js';
import { ACK, ROLLBACK, SEVERITY, STATUS } from './actions.js';
import { postmortemMessages } from './render-postmortem.js';

/**
 * How incidents look in Slack: the pinned summary with its buttons, the status broadcasts and the
 * live announcement. `incidentPresenter` is the domain's IncidentPresenter, wired by src/app.
 */
export const incidentPresenter: IncidentPresenter = {
  summary: (inc, runs, runbooks) => renderSummary(inc, runs, runbooks),
  update: (inc, kind, text, actor) => formatUpdate(inc, kind, text, actor),
  announcement: (inc) => renderAnnouncement(inc),
  postmortem: (id, markdown) => postmortemMessages(id, markdown),
  note: (text) => mdMessage(text),
};

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

export function renderSummary(
  inc: Incident,
  runs: RunInfo[],
  runbooks: ReadonlyArray<{ name: string; title: string }> = [],
): MessageContent {
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
    if (runbooks.length) {
      blocks.push(
        context(`Runbooks for this incident: ${runbooks.map((r) => `*${escapeMrkdwn(r.title)}*`).join(', ')}`),
        actions(
          runbooks.slice(0, 5).map((r) => START.button({ text: `Run ${r.name}`, value: { name: r.name, incident: inc.id } })),
          'incident-runbooks',
        ),
      );
    }
  } else {
    blocks.push(context(`Resolved ${inc.resolvedAt ? fmtTime(inc.resolvedAt) : ''} by ${who(inc.resolvedBy)}.`));
  }
  const text = `${inc.id} ${inc.severity} ${inc.status}: ${inc.title}`;
  return { text, blocks };
}

const TITLE: Record<BroadcastKind, string> = { declared: 'Incident declared', update: 'Status update', resolved: 'Resolved' };

export function formatUpdate(
  inc: Incident,
  kind: BroadcastKind,
  text: string,
  actor?: string,
): { text: string; blocks: ReturnType<typeof md>[] } {
  const head = `${SEVERITY_EMOJI[inc.severity]} *${inc.id} · ${inc.severity} · ${inc.status}* — ${escapeMrkdwn(inc.title)}`;
  const meta = [
    `*${TITLE[kind]}*${actor ? ` by ${mention(actor)}` : ''}`,
    `Services: ${inc.services.join(', ') || 'none'}`,
    `Commander: ${inc.roles.commander ? mention(inc.roles.commander) : 'unassigned'}`,
    // Until set-up creates it, say so: the live announcement is edited to link it.
    ...(inc.channel
      ? [`Channel: ${channelLink(inc.channel)}`]
      : kind !== 'declared'
        ? []
        : inc.setup.failed
          ? ['Channel: none (set-up failed)']
          : ['Channel: being set up']),
  ].join(' · ');
  const body = escapeMrkdwn(text);
  return { text: `${inc.id} ${TITLE[kind].toLowerCase()}: ${text}`.slice(0, 3000), blocks: [md(head), md(body), context(meta)] };
}

export function renderAnnouncement(inc: Incident): MessageContent {
  const declarer = /^[UW][A-Z0-9]+$/.test(inc.declaredBy) ? inc.declaredBy : undefined;
  const what = inc.description ?? inc.title;
  const { blocks } = formatUpdate(inc, 'declared', what, declarer);
  const where = inc.channel ? ` · ${channelLink(inc.channel)}` : inc.setup.failed ? ' · no incident channel' : ' · channel being set up';
  return { text: `${inc.id} incident declared: ${what}`.slice(0, 2500) + ` (${inc.severity} · ${inc.status}${where})`, blocks };
}
