import type { SlackEventHandler } from '../../core/module.js';
import { mention } from '../../core/outbound.js';
import type { IncidentDeps } from './deps.js';
import type { IncidentService } from './service.js';

/**
 * The Slack events incidents listens to: a reaction that puts a message on the timeline, a join.
 * They show nothing but a plain line; the buttons, forms and the message shortcut are in
 * commands/incidents (actions.ts, views.ts), wired by src/app/modules/incidents.ts.
 */
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
