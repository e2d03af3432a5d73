import { randomBytes } from 'node:crypto';
import { LoopbackServer, sendJson } from './http-fake.js';

/**
 * Atlassian Statuspage's REST API v1 (developer.statuspage.io, "Incidents"), the two calls the bot
 * makes, over loopback:
 * - `POST /v1/pages/{page_id}/incidents` -> 201 with the incident (`id`, `name`, `status`,
 *   `shortlink`, `incident_updates`, `components`);
 * - `PATCH /v1/pages/{page_id}/incidents/{incident_id}` -> 200 with the incident; 404 for an
 *   unknown id.
 * Both take `Authorization: OAuth <api key>` (401 `{"error":"Could not authenticate"}` otherwise)
 * and a JSON body `{ incident: { name, status, body, components: { <id>: <status> }, component_ids } }`.
 * `failNext(n)` answers the next n calls 503, as Statuspage does in an outage.
 */
export interface PageIncident {
  id: string;
  name: string;
  status: string;
  shortlink: string;
  components: Record<string, string>;
  updates: Array<{ status: string; body: string; components: Record<string, string> }>;
}

interface IncidentBody {
  name?: string;
  status?: string;
  body?: string;
  components?: Record<string, string>;
}

export class FakeStatuspage {
  readonly incidents = new Map<string, PageIncident>();
  readonly calls: Array<{ method: string; path: string; status: number; authorization?: string }> = [];
  private failures = 0;
  private readonly server: LoopbackServer;

  constructor(
    readonly pageId: string,
    readonly apiKey: string,
  ) {
    this.server = new LoopbackServer((req, raw, res) => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      const answer = (status: number, body: unknown) => {
        this.calls.push({
          method: req.method ?? '',
          path,
          status,
          ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
        });
        sendJson(res, status, body);
      };
      if (this.failures > 0) {
        this.failures--;
        return answer(503, { error: 'Service Unavailable' });
      }
      if (req.headers.authorization !== `OAuth ${this.apiKey}`) return answer(401, { error: 'Could not authenticate' });
      const m = /^\/v1\/pages\/([^/]+)\/incidents(?:\/([^/]+))?$/.exec(path);
      if (!m || m[1] !== this.pageId) return answer(404, { error: 'Not found' });
      let body: { incident?: IncidentBody };
      try {
        body = JSON.parse(raw.toString('utf8')) as { incident?: IncidentBody };
      } catch {
        return answer(400, { error: 'Invalid JSON' });
      }
      const inc = body.incident ?? {};
      if (req.method === 'POST' && !m[2]) {
        if (!inc.name) return answer(422, { error: "name can't be blank" });
        const id = randomBytes(6).toString('hex');
        const created: PageIncident = {
          id,
          name: inc.name,
          status: inc.status ?? 'investigating',
          shortlink: `https://stspg.io/${id}`,
          components: { ...inc.components },
          updates: [{ status: inc.status ?? 'investigating', body: inc.body ?? '', components: { ...inc.components } }],
        };
        this.incidents.set(id, created);
        return answer(201, this.view(created));
      }
      if (req.method === 'PATCH' && m[2]) {
        const found = this.incidents.get(m[2]);
        if (!found) return answer(404, { error: 'Not found' });
        if (inc.name) found.name = inc.name;
        if (inc.status) found.status = inc.status;
        Object.assign(found.components, inc.components);
        found.updates.push({ status: found.status, body: inc.body ?? '', components: { ...inc.components } });
        return answer(200, this.view(found));
      }
      return answer(405, { error: 'Method not allowed' });
    });
  }

  private view(i: PageIncident) {
    return {
      id: i.id,
      name: i.name,
      status: i.status,
      shortlink: i.shortlink,
      page_id: this.pageId,
      incident_updates: i.updates.map((u, n) => ({ id: `${i.id}u${n}`, status: u.status, body: u.body })),
      components: Object.entries(i.components).map(([id, status]) => ({ id, status })),
    };
  }

  get url(): string {
    return this.server.url;
  }

  failNext(n: number): void {
    this.failures = n;
  }

  async start(): Promise<this> {
    await this.server.start();
    return this;
  }

  stop(): Promise<void> {
    return this.server.stop();
  }
}
