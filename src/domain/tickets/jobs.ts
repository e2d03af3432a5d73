import { createHash } from 'node:crypto';
import { z } from 'zod';
import { PermanentJobError, UpstreamError } from '../../core/errors.js';
import { link } from '../../core/outbound.js';
import { defineJob, jobProcessor, type JobContext, type JobProcessor } from '../../core/ports/jobs.js';
import type { IncidentSummary } from '../contracts.js';
import { servicesOf } from '../services.js';
import type { TicketDeps } from './deps.js';
import type { TicketRef } from './ports.js';

/**
 * The vendor calls, as jobs: a vendor that is down must not hold the incident back, and its
 * failure is retried with the job's attempts and backoff (config `retry`). Job ids make each one
 * happen once per incident, update and follow-up; processing is at-least-once, so every step
 * checks what is recorded first. Payloads carry ids and the responders' own text, never secrets.
 */
const incidentId = z.string().regex(/^INC-\d+$/);
export const OPEN_TICKET = defineJob('tickets.open', z.object({ incidentId }));
export const MIRROR_TO_TICKET = defineJob(
  'tickets.mirror',
  z.object({ incidentId, kind: z.enum(['update', 'resolve']), seq: z.number().int().min(0), text: z.string().max(2000), by: z.string() }),
);
export const FILE_FOLLOW_UP = defineJob(
  'tickets.follow-up',
  z.object({ incidentId, title: z.string().min(1).max(300), severity: z.string() }),
);

export const TICKETS_ACTOR = 'tickets';
/** How long the open job waits for the incident channel before it gives up on the bookmark. */
const CHANNEL_WAIT_MS = 10 * 60_000;

export const followUpTitle = (text: string) => text.replace(/\s+/g, ' ').trim().slice(0, 150);
export const followUpHash = (title: string) => createHash('sha256').update(title).digest('hex').slice(0, 16);

/** Every vendor call retries as config `retry` says (exponential backoff). */
const retries = (d: TicketDeps) => ({ attempts: d.cfg.retry.attempts, backoffMs: d.cfg.retry.backoff_ms });

function incidents(d: TicketDeps) {
  return servicesOf(d.ctx).get('incidents');
}

/**
 * Tells the incident channel once per step that the vendor failed (the message key keeps it to
 * once across retries), then hands the error back for the job to retry. A refusal no retry can
 * fix (a 4xx) fails the job at once.
 */
async function failed(d: TicketDeps, inc: IncidentSummary | null, step: string, what: string, err: unknown): Promise<never> {
  const reason = err instanceof UpstreamError ? err.message : 'an unexpected error (see the logs)';
  d.ctx.log.warn({ incident: inc?.id, step, err: err instanceof Error ? err.message : String(err) }, 'ticket system call failed');
  const permanent = err instanceof UpstreamError && !err.retryable;
  if (inc?.channel) {
    const then = permanent ? 'Fix the tickets configuration; Switchyard does not retry this.' : 'Switchyard keeps retrying.';
    await d.ctx.chat.post({
      channel: inc.channel,
      key: `tickets-${inc.id}-${step}-failed`,
      text: `:warning: Could not ${what} (${reason}). The incident goes on; ${then}`,
    });
  }
  if (permanent) throw new PermanentJobError(reason, { cause: err });
  throw err;
}

function openProcessor(d: TicketDeps): JobProcessor {
  return jobProcessor(OPEN_TICKET, {
    ...retries(d),
    async process({ incidentId: id }, job) {
      const system = d.system;
      if (!system) return 'off';
      const inc = await incidents(d).get(id);
      if (!inc) return 'gone';
      let ticket = await d.repo.ticketOf(id);
      if (!ticket) {
        try {
          // A create that reached the vendor but was not recorded (a crash) is found, not repeated.
          const opened =
            (await system.find?.(id)) ??
            (await system.open({
              id,
              title: inc.title,
              severity: inc.severity,
              services: inc.services,
              ...(inc.channel ? { channel: inc.channel } : {}),
            }));
          ticket = await d.repo.recordTicket(id, opened);
        } catch (err) {
          return failed(d, inc, 'open', `open a ${system.name} ticket for ${id}`, err);
        }
      }
      await incidents(d).addTimelineEntry(id, {
        kind: 'ticket',
        actor: TICKETS_ACTOR,
        text: `${system.name} ticket ${ticket.key} opened: ${ticket.url}`,
        once: 'ticket-opened',
      });
      return bookmark(d, inc, ticket, job);
    },
  });
}

async function bookmark(d: TicketDeps, inc: IncidentSummary, ticket: TicketRef, job: JobContext): Promise<string> {
  const channel = inc.channel ?? (await incidents(d).get(inc.id))?.channel;
  if (!channel) return d.ctx.clock.now() - inc.declaredAt < CHANNEL_WAIT_MS ? job.defer(500) : 'opened-no-channel';
  const flag = d.ctx.store.key('tickets', 'bookmarked', inc.id);
  if (!(await d.ctx.store.exists(flag))) {
    try {
      await d.ctx.chat.addBookmark(channel, `${d.system?.name ?? 'Ticket'} ${ticket.key}`, ticket.url);
    } catch (err) {
      // A bookmark Slack refuses for good (missing_scope) is not worth failing the ticket for.
      if (!(err instanceof UpstreamError) || err.retryable) throw err;
      d.ctx.log.warn({ incident: inc.id, err: err.message }, 'Slack refused the ticket bookmark');
    }
    await d.ctx.store.setJson(flag, true);
  }
  await d.ctx.chat.post({
    channel,
    key: `tickets-${inc.id}-opened`,
    text:
      `:ticket: ${d.system?.name ?? 'Ticket'} ticket ${link(ticket.url, ticket.key)} is open for ${inc.id}; ` +
      'updates and the resolution are mirrored to it.',
  });
  return 'opened';
}

function mirrorProcessor(d: TicketDeps): JobProcessor {
  return jobProcessor(MIRROR_TO_TICKET, {
    ...retries(d),
    async process(m) {
      const system = d.system;
      if (!system) return 'off';
      const ticket = await d.repo.ticketOf(m.incidentId);
      if (!ticket) {
        if (!(await d.repo.wanted(m.incidentId))) return 'no-ticket';
        // Its open job is still trying: this waits (and retries) behind it.
        throw new UpstreamError(system.name, `the ticket of ${m.incidentId} is not open yet`);
      }
      const resolving = m.kind === 'resolve';
      try {
        if (resolving) await system.resolve(ticket, m.text);
        else await system.addNote(ticket, m.text);
      } catch (err) {
        const inc = await incidents(d).get(m.incidentId);
        return failed(
          d,
          inc,
          resolving ? 'resolve' : `note-${m.seq}`,
          `${resolving ? 'resolve' : 'update'} ${system.name} ticket ${ticket.key}`,
          err,
        );
      }
      await incidents(d).addTimelineEntry(m.incidentId, {
        kind: 'ticket',
        actor: TICKETS_ACTOR,
        text: resolving
          ? `${system.name} ticket ${ticket.key} resolved`
          : `Update ${m.seq} mirrored to ${system.name} ticket ${ticket.key}`,
        once: resolving ? 'ticket-resolved' : `ticket-note-${m.seq}`,
      });
      return resolving ? 'resolved' : 'noted';
    },
  });
}

function followUpProcessor(d: TicketDeps): JobProcessor {
  return jobProcessor(FILE_FOLLOW_UP, {
    ...retries(d),
    async process(f) {
      const tracker = d.tracker;
      if (!tracker) return 'off';
      const title = followUpTitle(f.title);
      const hash = followUpHash(title);
      let issue = await d.repo.followUpIssue(f.incidentId, hash);
      if (!issue) {
        try {
          issue = await tracker.createIssue({
            summary: title,
            description: `Follow-up of incident ${f.incidentId} (${f.severity}), filed by Switchyard.`,
            labels: ['switchyard', f.incidentId.toLowerCase()],
          });
        } catch (err) {
          return failed(d, await incidents(d).get(f.incidentId), `follow-up-${hash}`, `file the follow-up "${title}" in Jira`, err);
        }
        await d.repo.recordFollowUpIssue(f.incidentId, hash, issue);
      }
      await incidents(d).addTimelineEntry(f.incidentId, {
        kind: 'ticket',
        actor: TICKETS_ACTOR,
        text: `Follow-up "${title}" filed as Jira issue ${issue.key}: ${issue.url}`,
        once: `follow-up-${hash}`,
      });
      const plan = servicesOf(d.ctx).maybe('plan');
      if (!plan) return 'filed';
      for (const itemId of await plan.linkedItemIds('incident', f.incidentId)) {
        const item = await plan.get(itemId);
        if (item.title !== title) continue;
        await plan.addLink(item.id, { type: 'url', ref: issue.url, addedBy: TICKETS_ACTOR });
        return 'linked';
      }
      // The plan's own subscriber makes the item from the same event; it may not have run yet.
      throw new Error(`no plan item for the follow-up of ${f.incidentId} yet`);
    },
  });
}

export function ticketJobs(d: TicketDeps): JobProcessor[] {
  return [openProcessor(d), mirrorProcessor(d), followUpProcessor(d)];
}
