import { z } from 'zod';
import { NotFoundError } from '../../core/errors.js';
import type { HttpRoute } from '../../core/module.js';
import { defineRoute, hmacSha256 } from '../../core/routes.js';
import { servicesOf } from '../services.js';
import type { TicketDeps } from './deps.js';

/**
 * POST /hooks/tickets: the help desk tells Switchyard that a ticket changed (a comment, a new
 * state), and the incident's timeline shows it. Sent by a ServiceNow business rule / outbound REST
 * message or a Jira automation rule configured to sign its body.
 *
 * Authentication, as /hooks/helpdesk (src/domain/incidents/helpdesk-inbound.ts): headers
 * `X-Tickets-Timestamp: <unix seconds>` and
 * `X-Tickets-Signature: v1=<hex HMAC-SHA256(TICKETS_WEBHOOK_SECRET, "<timestamp>.<raw body>")>`,
 * the timestamp within 5 minutes of our clock. `delivery_id` makes a redelivery a no-op.
 *
 * Body (JSON):
 *   { "delivery_id": "sn-42-7",            // unique per change; the same id is handled once
 *     "ticket": "INC0010001",              // the ticket key Switchyard opened (or OPS-12)
 *     "kind": "comment" | "state",         // default "comment"
 *     "author": "Jane Doe", "text": "Called the customer back", "state": "On Hold" }
 * Answers 200 {ok, incident}, 400 with the problems, 401 unsigned/stale, 404 a ticket Switchyard did not open.
 */
export const ticketUpdate = z
  .object({
    delivery_id: z.string().min(1).max(200),
    ticket: z
      .string()
      .min(1)
      .max(64)
      .regex(/^[A-Za-z0-9._-]+$/, 'letters, digits and . _ -'),
    kind: z.enum(['comment', 'state']).default('comment'),
    author: z.string().max(200).optional(),
    text: z.string().max(2000).default(''),
    state: z.string().max(60).optional(),
  })
  .superRefine((u, ctx) => {
    if (u.kind === 'state' && !u.state) ctx.addIssue({ code: 'custom', path: ['state'], message: 'required for a state change' });
    if (u.kind === 'comment' && !u.text.trim()) ctx.addIssue({ code: 'custom', path: ['text'], message: 'required for a comment' });
  });

export function ticketsRoute(d: TicketDeps): HttpRoute {
  return defineRoute(d.ctx, {
    name: 'tickets',
    method: 'POST',
    path: '/hooks/tickets',
    summary: 'The help desk reports a change on a ticket Switchyard opened',
    auth: hmacSha256({
      secret: d.inboundSecret,
      timestampHeader: 'x-tickets-timestamp',
      signatureHeader: 'x-tickets-signature',
      version: 'v1',
      maxAgeS: 300,
    }),
    body: ticketUpdate,
    delivery: { field: 'delivery_id' },
    async handle(u, ctx) {
      const incident = await d.repo.incidentOf(u.ticket);
      if (!incident) throw new NotFoundError('ticket', u.ticket);
      const who = u.author ? ` (${u.author.replace(/\s+/g, ' ').trim()})` : '';
      const what = u.kind === 'state' ? `is now ${u.state}${u.text.trim() ? `: ${u.text.trim()}` : ''}` : `comment${who}: ${u.text.trim()}`;
      await servicesOf(d.ctx)
        .get('incidents')
        .addTimelineEntry(incident, {
          kind: 'ticket',
          actor: 'tickets',
          text: `Ticket ${u.ticket.toUpperCase()} ${what}`.slice(0, 2000),
          // The route already answers a redelivery without running this; the key also holds
          // when its memory of the delivery has expired.
          once: `ticket-in-${u.delivery_id}`,
        });
      ctx.note({ action: u.kind, target: incident, detail: `ticket ${u.ticket}` });
      return { incident };
    },
  });
}
