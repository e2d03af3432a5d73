import { z } from 'zod';
import { NotFoundError } from '../../core/errors.js';
import type { HttpRoute } from '../../core/module.js';
import { defineRoute, hmacSha256, type RouteContext } from '../../core/routes.js';
import { SEVERITIES } from './config.js';
import type { IncidentDeps } from './deps.js';
import { isOpen, normalizeIncidentId } from './model.js';
import { scheduleRefresh } from './notify.js';
import type { IncidentService } from './service.js';

/**
 * POST /hooks/helpdesk: the help desk opens an incident for a ticket, or links a ticket to an
 * existing incident.
 *
 * Authentication: headers `X-Helpdesk-Timestamp: <unix seconds>` and
 * `X-Helpdesk-Signature: v1=<hex HMAC-SHA256(HELPDESK_SECRET, "<timestamp>.<raw body>")>`.
 * The timestamp is inside the signed text and must be within 5 minutes of our clock, so a captured
 * request cannot be replayed later; within the window the ticket id deduplicates.
 *
 * Body (JSON):
 *   { "ticket_id": "HD-1234",            // the help desk's id; the same id never opens twice
 *     "action": "open" | "link",         // default "open"
 *     "incident_id": "INC-42",           // required for "link"
 *     "title": "Users cannot pay",       // required for "open"
 *     "description": "...", "severity": "SEV3", "service": "checkout",
 *     "reporter": "jane@example.com", "url": "https://helpdesk.example.com/t/1234" }
 * Answers 200 {ok, incident, created|linked}, 400 with the problems, 401 unsigned/stale, 404 unknown incident
 * (its hints name the open ones). Auth, parsing, audit and the error statuses: src/core/routes.ts.
 */
export const helpdeskRequest = z
  .object({
    ticket_id: z
      .string()
      .min(1)
      .max(100)
      .regex(/^[A-Za-z0-9._#-]+$/, 'letters, digits and . _ # -'),
    action: z.enum(['open', 'link']).default('open'),
    incident_id: z.string().optional(),
    title: z.string().min(1).max(150).optional(),
    description: z.string().max(2000).optional(),
    severity: z.enum(SEVERITIES).default('SEV3'),
    service: z.string().optional(),
    reporter: z.string().max(200).optional(),
    url: z.url().optional(),
  })
  .superRefine((r, ctx) => {
    if (r.action === 'link' && !r.incident_id)
      ctx.addIssue({ code: 'custom', path: ['incident_id'], message: 'required to link a ticket' });
    if (r.action === 'open' && !r.title) ctx.addIssue({ code: 'custom', path: ['title'], message: 'required to open an incident' });
  });
export type HelpdeskRequest = z.infer<typeof helpdeskRequest>;

export function helpdeskRoute(d: IncidentDeps, svc: IncidentService): HttpRoute {
  return defineRoute(d.ctx, {
    name: 'helpdesk',
    method: 'POST',
    path: '/hooks/helpdesk',
    summary: 'The help desk opens an incident for a ticket or links a ticket to one',
    auth: hmacSha256({
      secret: d.settings.HELPDESK_SECRET,
      timestampHeader: 'x-helpdesk-timestamp',
      signatureHeader: 'x-helpdesk-signature',
      version: 'v1',
      maxAgeS: 300,
    }),
    body: helpdeskRequest,
    // No delivery id on this wire: the ticket id already makes a redelivery a no-op.
    handle: (r, ctx) => (r.action === 'link' ? link(d, r, ctx) : open(d, svc, r, ctx)),
  });
}

async function open(d: IncidentDeps, svc: IncidentService, r: HelpdeskRequest, ctx: RouteContext): Promise<Record<string, unknown>> {
  const known = await d.repo.dedupeTarget('hd', r.ticket_id);
  if (known) {
    ctx.note({ target: known, detail: `ticket ${r.ticket_id} already has its incident` });
    return { incident: known, created: false };
  }
  const services = r.service ? [r.service] : [];
  const description = [r.description, r.reporter ? `Reported by ${r.reporter}` : '', r.url ? `Ticket: ${r.url}` : '']
    .filter(Boolean)
    .join('\n');
  const { incident, created } = await svc.declare({
    title: r.title!,
    severity: r.severity,
    services,
    ...(description ? { description } : {}),
    source: 'helpdesk',
    declaredBy: 'helpdesk',
    ticket: r.ticket_id,
    dedupe: { source: 'hd', key: r.ticket_id },
  });
  ctx.note({ ...(created ? { action: 'open' } : {}), target: incident.id, detail: `ticket ${r.ticket_id}` });
  return { incident: incident.id, created };
}

async function link(d: IncidentDeps, r: HelpdeskRequest, ctx: RouteContext): Promise<Record<string, unknown>> {
  const id = normalizeIncidentId(r.incident_id ?? '');
  const inc = id ? await d.repo.get(id) : null;
  if (!id || !inc) throw new NotFoundError('incident', r.incident_id ?? '', (await d.repo.openIds()).sort());
  const res = await d.repo.update(inc.id, (cur) =>
    cur.tickets.includes(r.ticket_id) ? null : { ...cur, tickets: [...cur.tickets, r.ticket_id] },
  );
  ctx.note({ ...(res ? { action: 'link' } : {}), target: inc.id, detail: `ticket ${r.ticket_id}` });
  if (res) {
    await d.repo.setDedupe('hd', r.ticket_id, inc.id);
    await d.repo.addTimeline(inc.id, {
      at: d.ctx.clock.now(),
      kind: 'ticket',
      actor: 'helpdesk',
      text: `Help desk ticket ${r.ticket_id} linked${r.reporter ? ` (reported by ${r.reporter})` : ''}`,
    });
    if (isOpen(res.after)) await scheduleRefresh(d, res.after);
  }
  return { incident: inc.id, linked: Boolean(res) };
}
