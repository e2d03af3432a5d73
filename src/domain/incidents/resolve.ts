import type { Actor } from '../../core/access.js';
import { EVENTS } from '../contracts.js';
import type { IncidentDeps } from './deps.js';
import type { Incident } from './model.js';
import { broadcast, notifyHelpdesk, scheduleRefresh } from './notify.js';
import { postmortemMarkdown } from './postmortem.js';
import type { IncidentService } from './service.js';

/** Follow-ups typed one per line (a leading `-`, `*` or `[ ]` is dropped). */
export function parseFollowUps(text: string | string[] | undefined): string[] {
  const lines = Array.isArray(text) ? text : (text ?? '').split('\n');
  return lines
    .map((l) => l.replace(/^\s*(?:[-*•]|\[\s?\])\s*/, '').trim())
    .filter(Boolean)
    .slice(0, 30)
    .map((l) => l.slice(0, 300));
}

/**
 * Resolving: the final update everywhere, the postmortem draft (kept in Redis, posted to the
 * channel), the help desk told, and `incident.resolved` published with the follow-ups so the
 * planning capability can turn them into plan items. Every step after the state change is
 * idempotent and the postmortem is saved last, so running resolve again finishes one that stopped
 * half-way (with the resolution recorded the first time).
 */
export async function resolveIncident(
  d: IncidentDeps,
  svc: IncidentService,
  id: string,
  resolution: string,
  followUps: string[],
  actor: Actor,
): Promise<{ incident: Incident; markdown: string; resumed: boolean }> {
  const { incident: inc, first } = await svc.markResolved(id, resolution, followUps, actor);
  const markdown = postmortemMarkdown(inc, await d.repo.timeline(id));
  const finalText = inc.resolution ?? resolution;
  const resolvedBy = inc.resolvedBy ?? actor.userId;
  await broadcast(d, inc, 'resolved', 0, finalText, resolvedBy);
  if (inc.channel) {
    // The whole draft: a long one continues in the thread of the first message.
    const head = `inc-${id}-postmortem`;
    for (const [i, m] of d.presenter.postmortem(id, markdown).entries()) {
      const text = i ? m.text : `Postmortem draft for ${id} (Markdown, also kept by Switchyard: \`/incident show ${id} --postmortem\`)`;
      await d.ctx.chat.post({
        channel: inc.channel,
        key: i ? `${head}-${i + 1}` : head,
        ...(i ? { threadKey: head } : {}),
        text,
        ...(m.blocks ? { blocks: m.blocks } : {}),
      });
    }
  }
  await scheduleRefresh(d, inc);
  await notifyHelpdesk(d, inc, 'incident.resolved', finalText);
  await d.ctx.events.publish(EVENTS.incidentResolved, id, {
    incidentId: id,
    services: inc.services,
    severity: inc.severity,
    followUps: inc.followUps ?? [],
    resolvedBy,
    resolution: finalText.slice(0, 2000),
  });
  await d.ctx.audit.record({
    actor: actor.userId,
    action: 'incident resolve',
    outcome: 'ok',
    target: id,
    ...(inc.channel ? { channel: inc.channel } : {}),
    detail: `${first ? '' : 'finished an interrupted resolve; '}${inc.followUps?.length ?? 0} follow-ups`,
  });
  await d.repo.savePostmortem(id, markdown);
  return { incident: inc, markdown, resumed: !first };
}
