import { anyone } from '../../core/commands/spec.js';
import { defineShortcut } from '../../core/edges.js';
import type { ActionHandler, ShortcutHandler, SlackEventHandler, ViewHandler } from '../../core/module.js';
import { SEVERITIES, type Severity } from './config.js';
import { LEAD_POLICY, RESPOND_POLICY } from './authorize.js';
import type { IncidentDeps } from './deps.js';
import { rollBack } from './deploy.js';
import { DECLARE_FORM, RESOLVE_FORM, resolveModal } from './modals.js';
import { parseFollowUps, resolveIncident } from './resolve.js';
import type { IncidentService } from './service.js';
import { ACK, ROLLBACK, SEVERITY, STATUS } from './summary.js';
import { mention } from '../../core/blocks.js';

/** Buttons on the summary, the declare/resolve modals, reactions, joins and the message shortcut. */
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

export function incidentViews(d: IncidentDeps, svc: IncidentService): ViewHandler[] {
  return [
    DECLARE_FORM.handler({
      permission: anyone('every member may declare an incident'),
      async handle(ctx) {
        const { title, services, description } = ctx.values;
        const severity = ctx.values.severity as Severity;
        const errors: Record<string, string> = {};
        if (!title) errors.title = 'Give the incident a title.';
        if (!SEVERITIES.includes(severity)) errors.severity = `Pick one of ${SEVERITIES.join(', ')}.`;
        const unknown = services.filter((s) => !d.cfg.services[s]);
        if (unknown.length) errors.services = `Unknown: ${unknown.join(', ')}`;
        if (Object.keys(errors).length) return { errors };
        const { incident, created } = await svc.declare({
          title,
          severity,
          services,
          ...(description ? { description } : {}),
          source: 'slack',
          declaredBy: ctx.actor.userId,
          // The trigger that opened the modal: a resubmitted form declares once.
          dedupe: { source: 'slack', key: ctx.metadata.trigger ?? ctx.viewId },
        });
        await ctx.respond({
          text: created
            ? `Declared ${incident.id} (${incident.severity}): ${incident.title}. Its channel is being set up.`
            : `${incident.id} was already declared from this form.`,
        });
      },
    }),
    RESOLVE_FORM.handler({
      permission: LEAD_POLICY,
      async handle(ctx) {
        await resolveIncident(d, svc, ctx.metadata.id, ctx.values.resolution, parseFollowUps(ctx.values.followups), ctx.actor);
      },
    }),
  ];
}

export function incidentEvents(d: IncidentDeps, svc: IncidentService): SlackEventHandler[] {
  return [
    {
      type: 'reaction_added',
      async handle(event) {
        const item = event.item as { type?: string; channel?: string; ts?: string } | undefined;
        if (event.reaction !== d.cfg.timeline_emoji || item?.type !== 'message' || !item.channel || !item.ts) return;
        const id = await d.repo.byChannel(item.channel);
        if (!id) return;
        const user = String(event.user ?? '');
        // Slack's event carries no text: read the message, and point at it if it is gone.
        const by = typeof event.item_user === 'string' ? ` by ${mention(event.item_user)}` : '';
        const text = await d.ctx.chat.messageText(item.channel, item.ts);
        const author = typeof event.item_user === 'string' ? `${mention(event.item_user)}: ` : '';
        const note = text ? `${author}${text}` : `Message${by} added with :${d.cfg.timeline_emoji}: (${item.channel}/${item.ts})`;
        await svc.addNote(id, note, user, { channel: item.channel, ts: item.ts });
        await d.ctx.audit.record({
          actor: user || '?',
          action: 'reaction incident.timeline',
          outcome: 'ok',
          channel: item.channel,
          target: `${id} ${item.ts}`,
        });
        await d.ctx.chat.post({
          channel: item.channel,
          threadTs: item.ts,
          key: `inc-${id}-react-${item.ts}`,
          text: `:${d.cfg.timeline_emoji}: Added to the ${id} timeline.`,
        });
      },
    },
    {
      type: 'member_joined_channel',
      async handle(event) {
        const channel = String(event.channel ?? '');
        const user = String(event.user ?? '');
        const id = channel ? await d.repo.byChannel(channel) : null;
        if (!id || !user) return;
        await d.repo.addTimelineOnce(id, `join-${user}`, {
          at: d.ctx.clock.now(),
          kind: 'join',
          actor: user,
          text: `${mention(user)} joined the channel`,
        });
      },
    },
  ];
}

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
