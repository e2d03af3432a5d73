import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { HttpRequest, HttpResponse, HttpRoute } from '../../core/module.js';
import { isSwitchyardError } from '../../core/errors.js';
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
 * Answers 200 {ok, incident, created|linked}, 400 with the problems, 401 unsigned/stale, 404 unknown incident.
 */
export const helpdeskRequest = z
  .object({
    ticket_id: z.string().min(1).max(100).regex(/^[A-Za-z0-9._#-]+$/, 'letters, digits and . _ # -'),
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
    if (r.action === 'link' && !r.incident_id) ctx.addIssue({ code: 'custom', path: ['incident_id'], message: 'required to link a ticket' });
    if (r.action === 'open' && !r.title) ctx.addIssue({ code: 'custom', path: ['title'], message: 'required to open an incident' });
  });
export type HelpdeskRequest = z.infer<typeof helpdeskRequest>;

export const MAX_SKEW_S = 300;

export function signHelpdesk(secret: string, timestamp: string, rawBody: Buffer | string): string {
  return `v1=${createHmac('sha256', secret).update(`${timestamp}.`).update(rawBody).digest('hex')}`;
}

export function verifyHelpdesk(secret: string, headers: Record<string, string | undefined>, rawBody: Buffer, nowMs: number): boolean {
  const ts = headers['x-helpdesk-timestamp'];
  const sig = headers['x-helpdesk-signature'];
  if (!ts || !sig || !/^\d{1,12}$/.test(ts)) return false;
  if (Math.abs(nowMs / 1000 - Number(ts)) > MAX_SKEW_S) return false;
  const expected = Buffer.from(signHelpdesk(secret, ts, rawBody));
  const given = Buffer.from(sig);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export function helpdeskRoute(d: IncidentDeps, svc: IncidentService): HttpRoute {
  return {
    method: 'POST',
    path: '/hooks/helpdesk',
    async handle(req: HttpRequest): Promise<HttpResponse> {
      const secret = d.settings.HELPDESK_SECRET;
      if (!secret) return { status: 503, body: { ok: false, error: 'helpdesk_not_configured' } };
      if (!verifyHelpdesk(secret, req.headers, req.rawBody, d.ctx.clock.now())) {
        await d.ctx.audit.record({ actor: 'helpdesk', action: 'hook helpdesk', outcome: 'refused', detail: 'bad or missing signature', requestId: req.requestId });
        return { status: 401, body: { ok: false, error: 'invalid_signature' } };
      }
      let json: unknown;
      try {
        json = JSON.parse(req.rawBody.toString('utf8'));
      } catch {
        return { status: 400, body: { ok: false, error: 'invalid_json' } };
      }
      const parsed = helpdeskRequest.safeParse(json);
      if (!parsed.success) return { status: 400, body: { ok: false, error: 'invalid_payload', issues: parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.')}: ${i.message}`) } };
      try {
        return await (parsed.data.action === 'link' ? link(d, parsed.data, req.requestId) : open(d, svc, parsed.data, req.requestId));
      } catch (err) {
        if (isSwitchyardError(err) && (err.code === 'not_found' || err.code === 'invalid_state')) return { status: err.code === 'not_found' ? 404 : 409, body: { ok: false, error: err.code, message: err.message, hints: err.hints } };
        throw err;
      }
    },
  };
}

async function open(d: IncidentDeps, svc: IncidentService, r: HelpdeskRequest, requestId: string): Promise<HttpResponse> {
  const known = await d.repo.dedupeTarget('hd', r.ticket_id);
  if (known) return { status: 200, body: { ok: true, incident: known, created: false } };
  const services = r.service ? [r.service] : [];
  const description = [r.description, r.reporter ? `Reported by ${r.reporter}` : '', r.url ? `Ticket: ${r.url}` : ''].filter(Boolean).join('\n');
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
  if (created) await d.ctx.audit.record({ actor: 'helpdesk', action: 'hook helpdesk open', outcome: 'ok', target: incident.id, detail: `ticket ${r.ticket_id}`, requestId });
  return { status: 200, body: { ok: true, incident: incident.id, created } };
}

async function link(d: IncidentDeps, r: HelpdeskRequest, requestId: string): Promise<HttpResponse> {
  const id = normalizeIncidentId(r.incident_id ?? '');
  const inc = id ? await d.repo.get(id) : null;
  if (!id || !inc) return { status: 404, body: { ok: false, error: 'not_found', message: `Unknown incident ${r.incident_id}`, open: (await d.repo.openIds()).sort() } };
  const res = await d.repo.update(inc.id, (cur) => (cur.tickets.includes(r.ticket_id) ? null : { ...cur, tickets: [...cur.tickets, r.ticket_id] }));
  if (res) {
    await d.repo.setDedupe('hd', r.ticket_id, inc.id);
    await d.ctx.audit.record({ actor: 'helpdesk', action: 'hook helpdesk link', outcome: 'ok', target: inc.id, detail: `ticket ${r.ticket_id}`, requestId });
    await d.repo.addTimeline(inc.id, { at: d.ctx.clock.now(), kind: 'ticket', actor: 'helpdesk', text: `Help desk ticket ${r.ticket_id} linked${r.reporter ? ` (reported by ${r.reporter})` : ''}` });
    if (isOpen(res.after)) await scheduleRefresh(d, res.after);
  }
  return { status: 200, body: { ok: true, incident: inc.id, linked: Boolean(res) } };
}
