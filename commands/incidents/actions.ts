import { z } from 'zod';
import { anyone } from '../../src/core/commands/spec.js';
import { compact, defineAction, defineShortcut, text } from '../../src/core/edges.js';
import type { ActionHandler, ShortcutHandler } from '../../src/core/module.js';
import { mention } from '../../src/core/outbound.js';
import { RESPOND_POLICY } from '../../src/domain/incidents/authorize.js';
import { SEVERITIES } from '../../src/domain/incidents/config.js';
import type { IncidentDeps } from '../../src/domain/incidents/deps.js';
import { rollBack } from '../../src/domain/incidents/deploy.js';
import { STATUSES } from '../../src/domain/incidents/model.js';
import type { IncidentService } from '../../src/domain/incidents/service.js';
import { resolveModal } from './views.js';

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

/** The buttons on the summary (render.ts): each calls the incident service. */
export function incidentActions(d: IncidentDeps, svc: IncidentService): ActionHandler[] {
  return [
    ACK.handler({
      permission: RESPOND_POLICY,
      async handle(ctx) {
        const { incident, first } = await svc.acknowledge(ctx.value, ctx.actor);
        return {
          text: first
            ? `You acknowledged ${incident.id}; escalation is stopped.`
            : `${incident.id} was already acknowledged by ${mention(incident.ackedBy)}.`,
        };
      },
    }),
    STATUS.handler({
      permission: RESPOND_POLICY,
      async handle(ctx) {
        const { id, status } = ctx.value;
        if (status === 'resolved') {
          const inc = await svc.require(id);
          await svc.authorize(inc, ctx.actor, 'resolve');
          if (!ctx.triggerId) return { text: `Resolve with \`/incident resolve "summary" --id ${id}\`.` };
          await d.ctx.chat.openModal(ctx.triggerId, resolveModal(inc.id, inc.title));
          return;
        }
        const inc = await svc.setStatus(id, status, ctx.actor);
        return { text: `${inc.id} is now *${inc.status}*.` };
      },
    }),
    SEVERITY.handler({
      permission: RESPOND_POLICY,
      async handle(ctx) {
        const inc = await svc.setSeverity(ctx.value.id, ctx.value.severity, ctx.actor);
        return { text: `${inc.id} is now *${inc.severity}*.` };
      },
    }),
    ROLLBACK.handler({
      permission: 'deployer',
      async handle(ctx) {
        const { id, runId } = ctx.value;
        const inc = await svc.require(id);
        const { run, target } = await rollBack(d, inc, runId, ctx.actor, ctx.channelId ?? inc.channel ?? ctx.actor.userId, ctx.triggerId);
        return {
          text: `Rollback started: run \`${run.id}\` deploys \`${target.ref}\` (before \`${runId}\`), through the same pipeline and gates.`,
        };
      },
    }),
  ];
}

/** The message shortcut: a message of an incident channel onto its timeline. */
export function incidentShortcuts(d: IncidentDeps, svc: IncidentService): ShortcutHandler[] {
  return [
    defineShortcut({
      id: 'incident.note_from_message',
      permission: anyone('a timeline note tells nobody; anyone helping may add one'),
      async handle(ctx) {
        const id = await d.repo.byChannel(ctx.channelId);
        if (!id) {
          const open = (await d.repo.openIds()).sort();
          await ctx.respond({
            text:
              "This channel belongs to no incident. Use the shortcut in an incident's channel" +
              `${open.length ? ` (open: ${open.join(', ')})` : ''}.`,
          });
          return;
        }
        const author = ctx.message.user ? `${mention(ctx.message.user)}: ` : '';
        await svc.addNote(id, `${author}${ctx.message.text}`, ctx.actor.userId, { channel: ctx.channelId, ts: ctx.message.ts });
        await ctx.respond({ text: `Added to the ${id} timeline.` });
      },
    }),
  ];
}
