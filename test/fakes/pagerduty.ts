import { createHmac } from 'node:crypto';
import { LoopbackServer, sendJson } from './http-fake.js';

/**
 * PagerDuty over loopback HTTP, as its API reference describes it:
 * - Events API v2 `POST /v2/enqueue`: JSON `{ routing_key, event_action: trigger|acknowledge|resolve,
 *   dedup_key, payload? }`; a trigger needs `payload.summary`, `payload.source` and
 *   `payload.severity` (critical|error|warning|info). 202 `{ status: "success", message: "Event
 *   processed", dedup_key }`; an unknown routing key or a bad event 400 `{ status: "invalid event",
 *   message: "Event object is invalid", errors: [...] }`.
 * - REST API v2 `GET /oncalls` (needs `Authorization: Token token=<token>`, else 401
 *   `{ error: { message: "Unauthorized", code: 2006 } }`), filtered by `schedule_ids[]` /
 *   `escalation_policy_ids[]`, users expanded with `include[]=users`; `GET /services/{id}`.
 * - v3 webhooks sent to Switchyard: `sendWebhook` signs the raw body as `X-PagerDuty-Signature:
 *   v1=<hex HMAC-SHA256(secret, body)>` (several comma-separated while a secret rotates).
 * `down()` / `up()` play an outage (connections refused) on the same port.
 */
export interface PdEvent {
  routing_key: string;
  event_action: string;
  dedup_key: string;
  payload?: { summary: string; severity: string; source: string; component?: string; custom_details?: Record<string, unknown> };
}

export interface PdOnCall {
  email: string;
  schedule?: string;
  escalation_policy: string;
  level: number;
}

export class FakePagerDuty {
  readonly events: PdEvent[] = [];
  oncalls: PdOnCall[] = [];
  services: Record<string, { escalation_policy: string }> = {};
  private readonly server: LoopbackServer;

  constructor(private readonly o: { routingKeys: string[]; token: string }) {
    this.server = new LoopbackServer((req, body, res) => {
      const url = new URL(req.url ?? '/', 'http://fake');
      if (req.method === 'POST' && url.pathname === '/v2/enqueue') return this.enqueue(body.toString('utf8'), res);
      if (req.headers.authorization !== `Token token=${this.o.token}`)
        return sendJson(res, 401, { error: { message: 'Unauthorized', code: 2006 } });
      if (req.method === 'GET' && url.pathname === '/oncalls') return this.listOnCalls(url.searchParams, res);
      if (req.method === 'GET' && url.pathname === '/abilities') return sendJson(res, 200, { abilities: ['teams', 'urgencies'] });
      const svc = /^\/services\/([A-Z0-9]+)$/.exec(url.pathname);
      if (req.method === 'GET' && svc && this.services[svc[1]!]) {
        return sendJson(res, 200, { service: { id: svc[1], escalation_policy: { id: this.services[svc[1]!]!.escalation_policy } } });
      }
      sendJson(res, 404, { error: { message: 'Not Found', code: 2100 } });
    });
  }

  get url(): string {
    return this.server.url;
  }

  async start(): Promise<this> {
    await this.server.start();
    return this;
  }

  down(): Promise<void> {
    return this.server.stop();
  }

  async up(): Promise<void> {
    await this.server.start();
  }

  actions(dedupKey: string): string[] {
    return this.events.filter((e) => e.dedup_key === dedupKey).map((e) => e.event_action);
  }

  private enqueue(raw: string, res: Parameters<typeof sendJson>[0]): void {
    const e = JSON.parse(raw) as PdEvent;
    const errors: string[] = [];
    if (!this.o.routingKeys.includes(e.routing_key)) errors.push('Invalid routing key');
    if (!['trigger', 'acknowledge', 'resolve'].includes(e.event_action)) errors.push('Invalid event_action');
    if (e.event_action === 'trigger') {
      if (!e.payload?.summary || !e.payload.source) errors.push('payload.summary and payload.source are required');
      if (!['critical', 'error', 'warning', 'info'].includes(e.payload?.severity ?? '')) errors.push('Invalid payload.severity');
    } else if (!e.dedup_key) errors.push('dedup_key is required');
    if (errors.length) return sendJson(res, 400, { status: 'invalid event', message: 'Event object is invalid', errors });
    this.events.push(e);
    sendJson(res, 202, { status: 'success', message: 'Event processed', dedup_key: e.dedup_key });
  }

  private listOnCalls(q: URLSearchParams, res: Parameters<typeof sendJson>[0]): void {
    const schedules = q.getAll('schedule_ids[]');
    const policies = q.getAll('escalation_policy_ids[]');
    const withUsers = q.getAll('include[]').includes('users');
    const oncalls = this.oncalls
      .filter(
        (o) =>
          (!schedules.length || (o.schedule && schedules.includes(o.schedule))) &&
          (!policies.length || policies.includes(o.escalation_policy)),
      )
      .map((o, i) => ({
        escalation_level: o.level,
        escalation_policy: { id: o.escalation_policy, type: 'escalation_policy_reference' },
        schedule: o.schedule ? { id: o.schedule, type: 'schedule_reference' } : null,
        user: withUsers
          ? { id: `PUSER${i}`, type: 'user', name: o.email.split('@')[0], email: o.email }
          : { id: `PUSER${i}`, type: 'user_reference', summary: o.email.split('@')[0] },
        start: new Date().toISOString(),
        end: new Date(Date.now() + 3_600_000).toISOString(),
      }));
    sendJson(res, 200, { oncalls, limit: 100, offset: 0, more: false, total: null });
  }
}

/** A v3 webhook delivery, signed with every secret given (a rotation lists several). */
export async function sendPagerDutyWebhook(
  url: string,
  secrets: string[],
  event: { id: string; event_type: string; incident_key: string; agent?: string },
): Promise<{ status: number; body: Record<string, unknown> }> {
  const raw = JSON.stringify({
    event: {
      id: event.id,
      event_type: event.event_type,
      resource_type: 'incident',
      occurred_at: new Date().toISOString(),
      agent: event.agent ? { id: 'PAGENT1', summary: event.agent, type: 'user_reference' } : null,
      client: null,
      data: {
        id: 'PINC001',
        type: 'incident',
        number: 1,
        status: event.event_type.replace('incident.', ''),
        incident_key: event.incident_key,
        title: 'Switchyard page',
        urgency: 'high',
      },
    },
  });
  const sig = secrets.map((s) => `v1=${createHmac('sha256', s).update(raw).digest('hex')}`).join(',');
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'user-agent': 'PagerDuty-Webhook/V3.0', 'x-pagerduty-signature': sig },
    body: raw,
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}
