import { UpstreamError } from '../../core/errors.js';
import type { PageIncidentFields, StatuspageApi } from '../../domain/statuspage/port.js';

/**
 * Atlassian Statuspage REST API v1 over fetch (developer.statuspage.io):
 * `POST /v1/pages/{page_id}/incidents` and `PATCH /v1/pages/{page_id}/incidents/{incident_id}`
 * with `Authorization: OAuth <api key>` and a JSON body `{ incident: { name, status, body,
 * components: { <component id>: <status> }, component_ids } }`; 201/200 answer the incident.
 * The key lives only in this object: errors name the HTTP status, never the key or the body sent.
 */
export class StatuspageClient implements StatuspageApi {
  constructor(private readonly o: { apiUrl: string; pageId: string; apiKey: string; timeoutMs?: number }) {}

  async createIncident(fields: PageIncidentFields): Promise<{ id: string; shortlink?: string }> {
    const res = await this.call('POST', `/v1/pages/${encodeURIComponent(this.o.pageId)}/incidents`, fields);
    const body = (await res.json().catch(() => null)) as { id?: unknown; shortlink?: unknown } | null;
    if (typeof body?.id !== 'string') throw new UpstreamError('statuspage', 'created an incident but answered no id', { retryable: false });
    return { id: body.id, ...(typeof body.shortlink === 'string' ? { shortlink: body.shortlink } : {}) };
  }

  async updateIncident(id: string, fields: Partial<PageIncidentFields>): Promise<void> {
    const res = await this.call('PATCH', `/v1/pages/${encodeURIComponent(this.o.pageId)}/incidents/${encodeURIComponent(id)}`, fields);
    await res.arrayBuffer();
  }

  private async call(method: 'POST' | 'PATCH', path: string, fields: Partial<PageIncidentFields>): Promise<Response> {
    const components = fields.components ?? {};
    const incident = { ...fields, ...(fields.components ? { component_ids: Object.keys(components) } : {}) };
    let res: Response;
    try {
      res = await fetch(new URL(path, this.o.apiUrl), {
        method,
        headers: { authorization: `OAuth ${this.o.apiKey}`, 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ incident }),
        redirect: 'error',
        signal: AbortSignal.timeout(this.o.timeoutMs ?? 10_000),
      });
    } catch (err) {
      throw new UpstreamError('statuspage', `not reachable (${(err as Error).name})`, { cause: err });
    }
    if (!res.ok) {
      await res.arrayBuffer().catch(() => undefined);
      const retryable = res.status >= 500 || res.status === 429;
      throw new UpstreamError('statuspage', `answered HTTP ${res.status}${res.status === 401 ? ' (the API key was refused)' : ''}`, {
        retryable,
      });
    }
    return res;
  }
}
