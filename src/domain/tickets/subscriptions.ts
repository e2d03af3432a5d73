import { subscribe, type Subscription } from '../../core/events.js';
import { enqueueJob } from '../../core/ports/jobs.js';
import { EVENTS } from '../contracts.js';
import { FILE_FOLLOW_UP, MIRROR_TO_TICKET, OPEN_TICKET, followUpHash, followUpTitle } from './jobs.js';
import type { TicketDeps } from './deps.js';

/**
 * The incident's life, mirrored: subscribers only queue jobs (with stable ids), so a redelivered
 * event queues nothing new and a vendor that is down never fails the event delivery.
 */
export function ticketSubscriptions(d: TicketDeps): Subscription[] {
  const jobs = d.ctx.jobs;
  const declared = subscribe(EVENTS.incidentDeclared, 'tickets.open-on-declare', async ({ data: e }) => {
    if (!d.system || !d.cfg.open_for.includes(e.severity)) return;
    await d.repo.markWanted(e.incidentId);
    await enqueueJob(jobs, OPEN_TICKET, { incidentId: e.incidentId }, { id: `open-${e.incidentId}` });
  });
  // A raise into a ticketed severity opens the ticket a declaration at that severity would have.
  const raised = subscribe(EVENTS.incidentSeverityChanged, 'tickets.open-on-raise', async ({ data: e }) => {
    if (!d.system || !d.cfg.open_for.includes(e.to)) return;
    await d.repo.markWanted(e.incidentId);
    await enqueueJob(jobs, OPEN_TICKET, { incidentId: e.incidentId }, { id: `open-${e.incidentId}` });
  });
  const updated = subscribe(EVENTS.incidentUpdated, 'tickets.mirror-update', async ({ data: e }) => {
    if (!d.system || !(await d.repo.wanted(e.incidentId))) return;
    const data = { incidentId: e.incidentId, kind: 'update' as const, seq: e.seq, text: e.text.slice(0, 2000), by: e.by };
    await enqueueJob(jobs, MIRROR_TO_TICKET, data, { id: `note-${e.incidentId}-${e.seq}` });
  });
  const resolved = subscribe(EVENTS.incidentResolved, 'tickets.mirror-resolution', async ({ data: e }) => {
    if (d.system && (await d.repo.wanted(e.incidentId))) {
      const text = (e.resolution ?? 'Resolved in Switchyard.').slice(0, 2000);
      const data = { incidentId: e.incidentId, kind: 'resolve' as const, seq: 0, text, by: e.resolvedBy };
      await enqueueJob(jobs, MIRROR_TO_TICKET, data, { id: `resolve-${e.incidentId}` });
    }
    if (!d.tracker) return;
    for (const followUp of e.followUps) {
      const title = followUpTitle(followUp);
      if (!title) continue;
      await enqueueJob(
        jobs,
        FILE_FOLLOW_UP,
        { incidentId: e.incidentId, title, severity: e.severity },
        { id: `follow-up-${e.incidentId}-${followUpHash(title)}` },
      );
    }
  });
  return [declared, raised, updated, resolved];
}
