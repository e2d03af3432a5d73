import { z } from 'zod';
import { channelLink, escapeMrkdwn, mdMessage, mention } from '../../src/core/blocks.js';
import { arg, optional, typedDefault } from '../../src/core/commands/args.js';
import { anyone, defineCommand, sub, type CommandSpec } from '../../src/core/commands/spec.js';
import { NotFoundError, UsageError } from '../../src/core/errors.js';
import { formatDuration } from '../../src/core/time.js';
import { LEAD_POLICY, RESPOND_POLICY } from '../../src/domain/incidents/authorize.js';
import { SEVERITIES, type Severity } from '../../src/domain/incidents/config.js';
import type { IncidentDeps } from '../../src/domain/incidents/deps.js';
import { ROLE_LABEL, SEVERITY_EMOJI, who, type Incident, type IncidentRole } from '../../src/domain/incidents/model.js';
import { formatMetrics, type IncidentReads } from '../../src/domain/incidents/queries.js';
import { parseFollowUps, resolveIncident } from '../../src/domain/incidents/resolve.js';
import type { IncidentService } from '../../src/domain/incidents/service.js';
import { fmtTime } from '../../src/domain/incidents/summary.js';
import { showPostmortem } from './render-postmortem.js';
import { declareModal, resolveModal } from './views.js';

/**
 * `/incident`: declare, coordinate and close incidents. Most subcommands act on the incident of the channel they are typed in,
 * or `--id`.
 */
const idFlag = optional(arg.incidentId('the incident (INC-42); defaults to the incident of this channel'));
const ROLE_WORDS: Record<string, IncidentRole> = {
  commander: 'commander',
  ic: 'commander',
  comms: 'comms',
  communications: 'comms',
  scribe: 'scribe',
};

function line(i: Incident): string {
  return (
    `${SEVERITY_EMOJI[i.severity]} *${i.id}* ${i.severity} · ${i.status} · ${escapeMrkdwn(i.title)}` +
    ` (${i.services.join(', ') || 'no service'})${i.channel ? ` ${channelLink(i.channel)}` : ''} · ${fmtTime(i.declaredAt)}`
  );
}

export function incidentCommand(deps: { d: IncidentDeps; svc: IncidentService; reads: IncidentReads }): CommandSpec {
  const { d, svc, reads } = deps;
  const reply = (text: string) => mdMessage(text);
  return defineCommand({
    name: 'incident',
    description: 'Declare and run incidents: channel, roles, updates, timeline, postmortem',
    subcommands: [
      sub({
        name: 'declare',
        summary: 'Declare an incident (no arguments opens a form)',
        args: z.object({
          words: z.array(z.string()).default([]).describe('optional severity (sev1-sev4, default sev3) then the title'),
          service: z.array(z.string()).default([]).describe('affected service (repeat for several)'),
          description: z.string().max(2000).optional().describe('what is happening'),
        }),
        positionals: ['words'],
        placeholders: { words: 'severity and title', service: 'service', description: 'text' },
        permission: anyone('every member may declare an incident'),
        examples: ['/incident declare sev2 "Checkout latency" --service checkout', '/incident declare'],
        async handle(args, ctx) {
          if (!args.words.length) {
            if (!ctx.triggerId) throw new UsageError('Give a title, e.g. `/incident declare sev2 "Checkout latency" --service checkout`.');
            await d.ctx.chat.openModal(ctx.triggerId, declareModal(d.cfg, { channel: ctx.channelId, trigger: ctx.triggerId }));
            return { text: 'Fill in the form to declare the incident.' };
          }
          const first = args.words[0]!.toUpperCase();
          const severity = (SEVERITIES as readonly string[]).includes(first) ? (first as Severity) : 'SEV3';
          const title = (severity === first ? args.words.slice(1) : args.words).join(' ');
          if (/^SEV\d+$/.test(first) && severity !== first) throw new UsageError(`Severity must be one of ${SEVERITIES.join(', ')}.`);
          svc.checkServices(args.service);
          const { incident, created } = await svc.declare({
            title,
            severity,
            services: args.service,
            ...(args.description ? { description: args.description } : {}),
            source: 'slack',
            declaredBy: ctx.actor.userId,
            dedupe: { source: 'slack', key: ctx.triggerId ?? ctx.requestId },
          });
          return reply(
            created
              ? `Declared *${incident.id}* (${incident.severity}): ${escapeMrkdwn(incident.title)}.` +
                  ` Its channel is being set up; you and the on-call responders will be invited.`
              : `${incident.id} was already declared by this request.`,
          );
        },
      }),
      sub({
        name: 'update',
        summary: 'Post a status update to the incident channel, stakeholders, NOC and help desk',
        args: z.object({ text: z.array(z.string()).min(1).describe('the update'), id: idFlag }),
        positionals: ['text'],
        permission: RESPOND_POLICY,
        async handle(args, ctx) {
          const inc = await svc.target(args.id, ctx.channelId);
          const { channels } = await svc.postUpdate(inc.id, args.text.join(' '), ctx.actor);
          return reply(
            `Update for ${inc.id} posted to ${channels.map((c) => `${channelLink(c)}`).join(', ')}` +
              `${d.helpdesk ? ' and sent to the help desk' : ''}.`,
          );
        },
      }),
      sub({
        name: 'note',
        summary: 'Add an entry to the incident timeline',
        args: z.object({ text: z.array(z.string()).min(1).describe('the note'), id: idFlag }),
        positionals: ['text'],
        permission: anyone('a timeline note tells nobody; anyone helping may add one'),
        async handle(args, ctx) {
          const inc = await svc.target(args.id, ctx.channelId);
          await svc.addNote(inc.id, args.text.join(' '), ctx.actor.userId);
          return reply(`Noted on the ${inc.id} timeline.`);
        },
      }),
      sub({
        name: 'role',
        summary: 'Assign a role: commander, comms or scribe',
        args: z.object({ role: z.string().describe('commander, comms or scribe'), user: arg.user('@user'), id: idFlag }),
        positionals: ['role', 'user'],
        permission: LEAD_POLICY,
        async handle(args, ctx) {
          const role = ROLE_WORDS[args.role.toLowerCase()];
          if (!role) throw new UsageError(`Unknown role \`${args.role.slice(0, 30)}\`.`, ['Roles: commander, comms, scribe']);
          const user = args.user;
          const inc = await svc.setRole((await svc.target(args.id, ctx.channelId)).id, role, user, ctx.actor);
          return reply(`${mention(user)} is ${ROLE_LABEL[role].toLowerCase()} of ${inc.id}.`);
        },
      }),
      sub({
        name: 'severity',
        summary: 'Change the severity (SEV1-SEV4)',
        args: z.object({ severity: z.string().describe('SEV1, SEV2, SEV3 or SEV4'), id: idFlag }),
        positionals: ['severity'],
        permission: RESPOND_POLICY,
        async handle(args, ctx) {
          const sev = args.severity.toUpperCase();
          if (!(SEVERITIES as readonly string[]).includes(sev)) throw new UsageError(`Severity must be one of ${SEVERITIES.join(', ')}.`);
          const inc = await svc.setSeverity((await svc.target(args.id, ctx.channelId)).id, sev as Severity, ctx.actor);
          return reply(`${inc.id} is now ${inc.severity}.`);
        },
      }),
      sub({
        name: 'status',
        summary: 'Change the status: investigating, identified, monitoring (use resolve to close)',
        args: z.object({
          status: z.enum(['investigating', 'identified', 'monitoring']).describe('investigating, identified or monitoring'),
          id: idFlag,
        }),
        positionals: ['status'],
        permission: RESPOND_POLICY,
        async handle(args, ctx) {
          const inc = await svc.setStatus((await svc.target(args.id, ctx.channelId)).id, args.status, ctx.actor);
          return reply(`${inc.id} is now ${inc.status}.`);
        },
      }),
      sub({
        name: 'ack',
        summary: 'Acknowledge the incident (stops escalation)',
        args: z.object({ id: idFlag }),
        permission: RESPOND_POLICY,
        async handle(args, ctx) {
          const { incident, first } = await svc.acknowledge((await svc.target(args.id, ctx.channelId)).id, ctx.actor);
          return reply(first ? `You acknowledged ${incident.id}.` : `${incident.id} was already acknowledged by ${who(incident.ackedBy)}.`);
        },
      }),
      sub({
        name: 'resolve',
        summary: 'Resolve with a summary (no summary opens a form); writes the postmortem draft',
        args: z.object({
          summary: z.array(z.string()).default([]).describe('how it was resolved'),
          followUp: z.array(z.string()).default([]).describe('a follow-up item (repeat for several)'),
          id: idFlag,
        }),
        positionals: ['summary'],
        placeholders: { followUp: 'item' },
        permission: LEAD_POLICY,
        async handle(args, ctx) {
          const inc = await svc.target(args.id, ctx.channelId);
          await svc.requireResolvable(inc);
          await svc.authorize(inc, ctx.actor, 'resolve');
          if (!args.summary.length) {
            if (!ctx.triggerId) throw new UsageError('Give a resolution summary: `/incident resolve "what fixed it"`.');
            await d.ctx.chat.openModal(ctx.triggerId, resolveModal(inc.id, inc.title));
            return { text: `Fill in the form to resolve ${inc.id}.` };
          }
          const { incident, resumed } = await resolveIncident(
            d,
            svc,
            inc.id,
            args.summary.join(' '),
            parseFollowUps(args.followUp),
            ctx.actor,
          );
          return reply(
            `${incident.id} ${resumed ? 'had stopped half-way through resolving; finished with its recorded resolution' : 'resolved'}.` +
              ` The postmortem draft is in ${incident.channel ? `${channelLink(incident.channel)}` : 'Switchyard'}` +
              ` (\`/incident show ${incident.id} --postmortem\`).`,
          );
        },
      }),
      sub({
        name: 'list',
        summary: 'Recent incidents (or only open ones)',
        args: z.object({ open: z.boolean().default(false).describe('only open incidents') }),
        permission: null,
        readOnly: true,
        async handle(args) {
          const list = await reads.list({ open: args.open });
          if (!list.length) return reply(args.open ? 'No open incidents.' : 'No incidents yet.');
          return reply([`*${args.open ? 'Open incidents' : 'Recent incidents'}* (${list.length})`, ...list.map(line)].join('\n'));
        },
      }),
      sub({
        name: 'show',
        summary: 'An incident with its timeline (or its postmortem draft)',
        args: z.object({ id: arg.incidentId('INC-42'), postmortem: z.boolean().default(false).describe('show the postmortem draft') }),
        positionals: ['id'],
        permission: null,
        readOnly: true,
        async handle(args, ctx) {
          const id = args.id;
          const inc = await d.repo.get(id);
          if (!inc) throw new NotFoundError('incident', args.id, await d.repo.recentIds({ limit: 25 }));
          if (args.postmortem) {
            const pm = await d.repo.postmortem(id);
            return pm
              ? showPostmortem(d, id, pm, ctx)
              : reply(`${id} has no postmortem draft yet; it is written when the incident is resolved.`);
          }
          const timeline = await d.repo.timeline(id);
          const roles =
            Object.entries(inc.roles)
              .map(([r, u]) => `${ROLE_LABEL[r as IncidentRole]} ${mention(u)}`)
              .join(', ') || 'none';
          const text = [
            line(inc),
            `Roles: ${roles}. Acknowledged: ` +
              `${inc.ackedAt ? `${formatDuration(inc.ackedAt - inc.declaredAt)} after declaration by ${who(inc.ackedBy)}` : 'no'}.`,
            ...(inc.tickets.length ? [`Tickets: ${inc.tickets.join(', ')}`] : []),
            `*Timeline* (${timeline.length} entries${timeline.length > 30 ? ', last 30' : ''})`,
            ...timeline.slice(-30).map((e) => `\`${fmtTime(e.at).slice(11, 16)}\` ${e.kind}: ${e.text.slice(0, 200)}`),
          ].join('\n');
          return reply(text);
        },
      }),
      sub({
        name: 'metrics',
        summary: 'Mean time to acknowledge and to resolve over a period',
        args: z.object({ since: typedDefault(arg.duration('how far back, e.g. 7d, 30d'), '30d') }),
        placeholders: { since: 'duration' },
        permission: null,
        readOnly: true,
        async handle(args) {
          return reply(formatMetrics(await reads.metrics(d.ctx.clock.now() - args.since.ms), args.since.text));
        },
      }),
    ],
  });
}
