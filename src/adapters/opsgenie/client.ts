import { toPlainText } from '../../core/outbound.js';
import { ensureOk, json, pathSegment, request } from '../ci/http.js';
import type { OnCallDirectory, Page, Pager } from '../../domain/paging/ports.js';

/**
 * Opsgenie (facts from Opsgenie's REST API reference; test/fakes/opsgenie.ts speaks them). Every
 * call carries `Authorization: GenieKey <api key>` (an API integration's key, a secret).
 * - Create alert: `POST /v2/alerts` `{ message (≤130), alias (≤512, open alerts with the same alias
 *   are de-duplicated), description, responders: [{ name, type: "team" }], tags, details, entity,
 *   source, priority: P1…P5 }` → 202 `{ result: "Request will be processed", took, requestId }`.
 * - Acknowledge / close: `POST /v2/alerts/{alias}/acknowledge?identifierType=alias` and
 *   `/close?identifierType=alias`, body `{ source, note }` → 202.
 * - On call: `GET /v2/schedules/{id or name}/on-calls?scheduleIdentifierType=id|name&flat=true` →
 *   `{ data: { _parent: { id, name }, onCallRecipients: ["user@example.com", …] } }`.
 * Requests are processed asynchronously (202); 401/403/404/422 are refusals, 429 and 5xx retry.
 */
const PRIORITY = { SEV1: 'P1', SEV2: 'P2', SEV3: 'P3', SEV4: 'P4' } as const;
const SOURCE = 'Opsgenie';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface OpsgenieTarget {
  team?: string;
  schedule?: string;
}

class OpsgenieApi {
  constructor(private readonly o: { apiUrl: string; apiKey: string; timeoutMs?: number }) {}

  async call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    const url = `${this.o.apiUrl.replace(/\/$/, '')}${path}`;
    const headers = { authorization: `GenieKey ${this.o.apiKey}`, 'content-type': 'application/json' };
    const init = { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}), timeoutMs: this.o.timeoutMs ?? 10_000 };
    return json<T>(SOURCE, ensureOk(SOURCE, url, method, await request(SOURCE, url, init)));
  }
}

export class OpsgenieAlerts implements Pager {
  readonly system = 'opsgenie';
  private readonly api: OpsgenieApi;

  constructor(private readonly o: { apiUrl: string; apiKey: string; services: Record<string, OpsgenieTarget>; timeoutMs?: number }) {
    this.api = new OpsgenieApi(o);
  }

  covers(service: string): boolean {
    return Boolean(this.o.services[service]);
  }

  async trigger(page: Page): Promise<void> {
    const team = this.o.services[page.service]?.team;
    await this.api.call('POST', '/v2/alerts', {
      message: toPlainText(`${page.incidentId} ${page.severity}: ${page.title}`).slice(0, 130),
      alias: page.incidentId,
      description: toPlainText(`Switchyard incident ${page.incidentId} (${page.severity}) on ${page.service}: ${page.title}`),
      ...(team ? { responders: [{ name: team, type: 'team' }] } : {}),
      tags: ['switchyard', page.severity, page.service],
      details: { incident: page.incidentId, service: page.service, ...(page.channel ? { slack_channel: page.channel } : {}) },
      entity: page.service,
      source: 'Switchyard',
      priority: PRIORITY[page.severity],
    });
  }

  async acknowledge(page: Pick<Page, 'incidentId' | 'service'>): Promise<void> {
    await this.api.call('POST', `/v2/alerts/${pathSegment(page.incidentId, 'alias')}/acknowledge?identifierType=alias`, {
      source: 'Switchyard',
      note: 'Acknowledged in Slack',
    });
  }

  async resolve(page: Pick<Page, 'incidentId' | 'service'>): Promise<void> {
    await this.api.call('POST', `/v2/alerts/${pathSegment(page.incidentId, 'alias')}/close?identifierType=alias`, {
      source: 'Switchyard',
      note: 'Resolved in Switchyard',
    });
  }
}

export class OpsgenieOnCall implements OnCallDirectory {
  readonly system = 'opsgenie';
  private readonly api: OpsgenieApi;

  constructor(private readonly o: { apiUrl: string; apiKey: string; services: Record<string, OpsgenieTarget>; timeoutMs?: number }) {
    this.api = new OpsgenieApi(o);
  }

  covers(service: string): boolean {
    return Boolean(this.o.services[service]?.schedule);
  }

  async onCallEmails(service: string): Promise<string[]> {
    const schedule = this.o.services[service]?.schedule;
    if (!schedule) return [];
    const type = UUID.test(schedule) ? 'id' : 'name';
    const path = `/v2/schedules/${pathSegment(schedule, 'schedule')}/on-calls?scheduleIdentifierType=${type}&flat=true`;
    const res = await this.api.call<{ data?: { onCallRecipients?: string[] } }>('GET', path);
    return [...new Set((res.data?.onCallRecipients ?? []).filter((r) => r.includes('@')))];
  }
}
