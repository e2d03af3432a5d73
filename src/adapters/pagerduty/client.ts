import { toPlainText } from '../../core/outbound.js';
import { ensureOk, json, pathSegment, request } from '../ci/http.js';
import type { OnCallDirectory, Page, Pager } from '../../domain/paging/ports.js';

/**
 * PagerDuty, two APIs (facts from PagerDuty's API reference; test/fakes/pagerduty.ts speaks them):
 * - Events API v2: `POST {events_url}/v2/enqueue` with JSON `{ routing_key, event_action:
 *   trigger|acknowledge|resolve, dedup_key, payload: { summary (≤1024), source, severity:
 *   critical|error|warning|info, component, custom_details } }` (payload only on trigger). Answers
 *   202 `{ status: "success", message, dedup_key }`; 400 invalid event (retrying cannot help); 429
 *   and 5xx retry. The routing key is the service integration's key, a secret.
 * - REST API v2: `GET {api_url}/oncalls?schedule_ids[]=…|escalation_policy_ids[]=…&include[]=users
 *   &earliest=true` with `Authorization: Token token=<api token>` and `Accept:
 *   application/vnd.pagerduty+json;version=2` → `{ oncalls: [{ escalation_level, user: { email,
 *   … }, schedule, escalation_policy, start, end }], more, … }`. `GET /services/{id}` →
 *   `{ service: { escalation_policy: { id } } }`.
 * Errors name the method, path and status, never a key or a body.
 */
const SEVERITY = { SEV1: 'critical', SEV2: 'error', SEV3: 'warning', SEV4: 'info' } as const;
const SOURCE = 'PagerDuty';

export class PagerDutyEvents implements Pager {
  readonly system = 'pagerduty';

  /** `routingKeys`: by Switchyard service, the values (from the environment). */
  constructor(private readonly o: { eventsUrl: string; routingKeys: Record<string, string>; timeoutMs?: number }) {}

  covers(service: string): boolean {
    return Boolean(this.o.routingKeys[service]);
  }

  async trigger(page: Page): Promise<void> {
    await this.send(page.service, 'trigger', page.incidentId, {
      payload: {
        // Leaves Slack's world: plain text, no outbound markers.
        summary: toPlainText(`${page.incidentId} ${page.severity}: ${page.title}`).slice(0, 1024),
        source: 'switchyard',
        severity: SEVERITY[page.severity],
        component: page.service,
        custom_details: { incident: page.incidentId, severity: page.severity, ...(page.channel ? { slack_channel: page.channel } : {}) },
      },
      client: 'Switchyard',
    });
  }

  async acknowledge(page: Pick<Page, 'incidentId' | 'service'>): Promise<void> {
    await this.send(page.service, 'acknowledge', page.incidentId);
  }

  async resolve(page: Pick<Page, 'incidentId' | 'service'>): Promise<void> {
    await this.send(page.service, 'resolve', page.incidentId);
  }

  private async send(service: string, action: string, dedupKey: string, extra: Record<string, unknown> = {}): Promise<void> {
    const body = JSON.stringify({ routing_key: this.o.routingKeys[service], event_action: action, dedup_key: dedupKey, ...extra });
    const url = `${this.o.eventsUrl.replace(/\/$/, '')}/v2/enqueue`;
    const init = { method: 'POST', headers: { 'content-type': 'application/json' }, body, timeoutMs: this.o.timeoutMs ?? 10_000 };
    ensureOk(SOURCE, url, 'POST', await request(SOURCE, url, init));
  }
}

export interface PagerDutyOnCallTarget {
  schedule?: string;
  escalation_policy?: string;
  service?: string;
}

export class PagerDutyOnCall implements OnCallDirectory {
  readonly system = 'pagerduty';

  constructor(private readonly o: { apiUrl: string; token: string; services: Record<string, PagerDutyOnCallTarget>; timeoutMs?: number }) {}

  covers(service: string): boolean {
    const t = this.o.services[service];
    return Boolean(t && (t.schedule || t.escalation_policy || t.service));
  }

  async onCallEmails(service: string): Promise<string[]> {
    const t = this.o.services[service];
    if (!t) return [];
    const policy = t.schedule ? undefined : (t.escalation_policy ?? (await this.policyOf(t.service!)));
    const q = new URLSearchParams({ 'include[]': 'users', earliest: 'true', limit: '100' });
    if (t.schedule) q.append('schedule_ids[]', t.schedule);
    else q.append('escalation_policy_ids[]', policy!);
    const res = await this.get<{ oncalls?: Array<{ escalation_level?: number; user?: { email?: string } }> }>(`/oncalls?${q}`);
    const oncalls = res.oncalls ?? [];
    // A policy lists every level: the first is who is paged now.
    const first = Math.min(...oncalls.map((o) => o.escalation_level ?? 1));
    const emails = oncalls.filter((o) => t.schedule || (o.escalation_level ?? 1) === first).map((o) => o.user?.email);
    return [...new Set(emails.filter((e): e is string => Boolean(e)))];
  }

  private async policyOf(serviceId: string): Promise<string> {
    const res = await this.get<{ service?: { escalation_policy?: { id?: string } } }>(`/services/${pathSegment(serviceId, 'service id')}`);
    const id = res.service?.escalation_policy?.id;
    if (!id) throw new Error(`PagerDuty service ${serviceId} has no escalation policy`);
    return id;
  }

  private async get<T>(path: string): Promise<T> {
    const url = `${this.o.apiUrl.replace(/\/$/, '')}${path}`;
    const headers = { authorization: `Token token=${this.o.token}`, accept: 'application/vnd.pagerduty+json;version=2' };
    const res = ensureOk(SOURCE, url, 'GET', await request(SOURCE, url, { method: 'GET', headers, timeoutMs: this.o.timeoutMs ?? 10_000 }));
    return json<T>(SOURCE, res);
  }
}
