import { escapeUntrusted } from '../../core/outbound.js';
import { EVENTS } from '../contracts.js';
import { JOB, jobId, type IncidentDeps } from './deps.js';
import { who, type Incident } from './model.js';
import { channelNote, scheduleRefresh } from './notify.js';

/**
 * Records the first acknowledgement of an incident (in Slack, or in a paging tool whose webhook
 * proved its sender): stops the escalation timer, notes it and publishes `incident.acknowledged`
 * with where it came from, so a paging tool that told us is not told again.
 */
export async function recordAck(
  d: IncidentDeps,
  inc: Incident,
  by: string,
  via?: { system: string; name?: string },
): Promise<{ incident: Incident; first: boolean }> {
  const id = inc.id;
  const at = d.ctx.clock.now();
  const res = await d.repo.update(id, (cur) => (cur.ackedAt ? null : { ...cur, ackedAt: at, ackedBy: by }));
  if (!res) return { incident: inc, first: false };
  await d.ctx.jobs.cancel(JOB.escalate, jobId('esc', id, res.after.escalationLevel + 1)).catch(() => false);
  // The tool's name for the person is text from outside: escaped, never markup.
  const person = via && !/^[UW][A-Z0-9]+$/.test(by) ? escapeUntrusted((via.name ?? 'someone').slice(0, 80)) : who(by);
  const where = via ? ` in ${via.system}` : '';
  await d.repo.addTimeline(id, { at, kind: 'ack', actor: by, text: `Acknowledged by ${person}${where}` });
  await channelNote(d, res.after, 'ack', `:white_check_mark: ${person} acknowledged ${id}${where}.`);
  await scheduleRefresh(d, res.after);
  await d.ctx.events.publish(EVENTS.incidentAcknowledged, id, {
    incidentId: id,
    services: res.after.services,
    severity: res.after.severity,
    acknowledgedBy: by,
    via: via ? via.system.toLowerCase() : 'slack',
  });
  return { incident: res.after, first: true };
}
