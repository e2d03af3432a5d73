import { UpstreamError } from '../../core/errors.js';
import type { TicketIncident, TicketRef, TicketSystem } from '../../domain/tickets/ports.js';

/**
 * ServiceNow Table API (REST, JSON, basic auth), as documented for the `incident` table:
 * - create: `POST /api/now/table/incident` -> 201 `{result:{sys_id, number, ...}}`
 * - find:   `GET /api/now/table/incident?sysparm_query=correlation_id=<id>&sysparm_fields=sys_id,number&sysparm_limit=1`
 *           -> 200 `{result:[...]}`
 * - update: `PATCH /api/now/table/incident/{sys_id}` `{work_notes}` (a journal field: each write appends a note)
 * - resolve: the same PATCH with `state: "6"` (Resolved), `close_code`, `close_notes`
 * - errors: `{error:{message, detail}, status:"failure"}` (401 bad credentials, 403 ACL, 404, 400 bad field)
 * The record's page: `<instance>/nav_to.do?uri=incident.do?sys_id=<sys_id>`.
 */
export interface ServiceNowOptions {
  instance: string;
  username: string;
  password: string;
  /** Assignment group by the incident's services (the first that has one). */
  assignmentGroup(services: readonly string[]): string | undefined;
  closeCode: string;
  timeoutMs?: number;
}

const URGENCY: Record<string, string> = { SEV1: '1', SEV2: '1', SEV3: '2', SEV4: '3' };
const IMPACT: Record<string, string> = { SEV1: '1', SEV2: '2', SEV3: '2', SEV4: '3' };

interface SnowRecord {
  sys_id: string;
  number: string;
}

export class ServiceNowTickets implements TicketSystem {
  readonly name = 'ServiceNow';
  private readonly base: string;
  private readonly auth: string;

  constructor(private readonly o: ServiceNowOptions) {
    this.base = o.instance.replace(/\/+$/, '');
    this.auth = `Basic ${Buffer.from(`${o.username}:${o.password}`).toString('base64')}`;
  }

  private ref(r: SnowRecord): TicketRef {
    return { key: r.number, id: r.sys_id, url: `${this.base}/nav_to.do?uri=incident.do?sys_id=${encodeURIComponent(r.sys_id)}` };
  }

  async find(incidentId: string): Promise<TicketRef | null> {
    const q = new URLSearchParams({ sysparm_query: `correlation_id=${incidentId}`, sysparm_fields: 'sys_id,number', sysparm_limit: '1' });
    const body = (await this.call('GET', `/api/now/table/incident?${q}`)) as { result?: SnowRecord[] };
    const hit = body.result?.[0];
    return hit?.sys_id && hit.number ? this.ref(hit) : null;
  }

  async open(inc: TicketIncident): Promise<TicketRef> {
    const group = this.o.assignmentGroup(inc.services);
    const body = (await this.call('POST', '/api/now/table/incident', {
      short_description: `[${inc.id}] ${inc.title}`.slice(0, 160),
      description: [
        `Switchyard incident ${inc.id} (${inc.severity})`,
        `Services: ${inc.services.join(', ') || 'none named'}`,
        inc.channel ? `Slack channel: ${inc.channel}` : '',
      ]
        .filter(Boolean)
        .join('\n'),
      urgency: URGENCY[inc.severity] ?? '2',
      impact: IMPACT[inc.severity] ?? '2',
      ...(group ? { assignment_group: group } : {}),
      correlation_id: inc.id,
      correlation_display: 'Switchyard',
    })) as { result?: SnowRecord };
    if (!body.result?.sys_id || !body.result.number) throw new UpstreamError('servicenow', 'create answered without sys_id/number');
    return this.ref(body.result);
  }

  async addNote(ticket: TicketRef, text: string): Promise<void> {
    await this.call('PATCH', `/api/now/table/incident/${encodeURIComponent(ticket.id)}`, { work_notes: text });
  }

  async resolve(ticket: TicketRef, text: string): Promise<void> {
    await this.call('PATCH', `/api/now/table/incident/${encodeURIComponent(ticket.id)}`, {
      state: '6',
      close_code: this.o.closeCode,
      close_notes: text,
      work_notes: `Resolved in Switchyard: ${text}`,
    });
  }

  private async call(method: string, path: string, body?: unknown): Promise<unknown> {
    let res: Response;
    try {
      res = await fetch(`${this.base}${path}`, {
        method,
        headers: { authorization: this.auth, accept: 'application/json', ...(body ? { 'content-type': 'application/json' } : {}) },
        ...(body ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(this.o.timeoutMs ?? 10_000),
      });
    } catch (err) {
      throw new UpstreamError('servicenow', `unreachable (${(err as Error).name})`, { cause: err });
    }
    const text = await res.text();
    let json: unknown = {};
    try {
      json = text ? JSON.parse(text) : {};
    } catch {
      json = {};
    }
    if (res.ok) return json;
    const e = (json as { error?: { message?: unknown } }).error;
    const why = typeof e?.message === 'string' ? e.message.slice(0, 200) : res.statusText;
    // 429 and 5xx pass; any other 4xx (credentials, ACL, a bad field) needs a person.
    throw new UpstreamError('servicenow', `HTTP ${res.status} ${why}`, { retryable: res.status === 429 || res.status >= 500 });
  }
}
