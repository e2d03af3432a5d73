import { LoopbackServer, sendJson } from './http-fake.js';

/**
 * Opsgenie over loopback HTTP, as its REST API reference describes it. Every call needs
 * `Authorization: GenieKey <key>` (else 401 `{ message: "Could not authenticate", took, requestId }`).
 * - `POST /v2/alerts` `{ message (required, ≤130), alias, responders, priority P1…P5, … }` → 202
 *   `{ result: "Request will be processed", took, requestId }`; an open alert with the same alias
 *   is de-duplicated (its count goes up).
 * - `POST /v2/alerts/{alias}/acknowledge?identifierType=alias`, `/close?identifierType=alias` → 202.
 * - `GET /v2/schedules/{id|name}/on-calls?scheduleIdentifierType=…&flat=true` →
 *   `{ data: { _parent: { id, name, enabled }, onCallRecipients: [emails] }, took, requestId }`.
 * - Outgoing webhooks to Switchyard (`sendOpsgenieWebhook`) are not signed: the integration adds a
 *   configured header (or basic auth) with a shared secret.
 */
export interface OgCall {
  action: 'create' | 'acknowledge' | 'close';
  alias: string;
  body: Record<string, unknown>;
}

export class FakeOpsgenie {
  readonly calls: OgCall[] = [];
  /** On-call emails by schedule name. */
  schedules: Record<string, string[]> = {};
  private readonly server: LoopbackServer;

  constructor(private readonly apiKey: string) {
    this.server = new LoopbackServer((req, raw, res) => {
      const requestId = `req-${this.calls.length}`;
      if (req.headers.authorization !== `GenieKey ${this.apiKey}`)
        return sendJson(res, 401, { message: 'Could not authenticate', took: 0, requestId });
      const url = new URL(req.url ?? '/', 'http://fake');
      const body = raw.length ? (JSON.parse(raw.toString('utf8')) as Record<string, unknown>) : {};
      const accepted = () => sendJson(res, 202, { result: 'Request will be processed', took: 0.01, requestId });
      if (req.method === 'POST' && url.pathname === '/v2/alerts') {
        if (typeof body.message !== 'string' || !body.message || body.message.length > 130)
          return sendJson(res, 422, { message: 'Request body is not processable', took: 0, requestId });
        this.calls.push({ action: 'create', alias: String(body.alias ?? ''), body });
        return accepted();
      }
      if (req.method === 'GET' && url.pathname === '/v2/account')
        return sendJson(res, 200, { data: { name: 'switchyard-test', userCount: 7, plan: { maxUserCount: 50 } }, took: 0.01, requestId });
      const op = /^\/v2\/alerts\/([^/]+)\/(acknowledge|close)$/.exec(url.pathname);
      if (req.method === 'POST' && op && url.searchParams.get('identifierType') === 'alias') {
        this.calls.push({ action: op[2] as 'acknowledge' | 'close', alias: decodeURIComponent(op[1]!), body });
        return accepted();
      }
      const sched = /^\/v2\/schedules\/([^/]+)\/on-calls$/.exec(url.pathname);
      if (req.method === 'GET' && sched) {
        const name = decodeURIComponent(sched[1]!);
        const who = this.schedules[name];
        if (!who) return sendJson(res, 404, { message: 'Schedule not found', took: 0, requestId });
        return sendJson(res, 200, {
          data: { _parent: { id: 'b3f1c9a0-0000-4000-8000-000000000001', name, enabled: true }, onCallRecipients: who },
          took: 0.02,
          requestId,
        });
      }
      sendJson(res, 404, { message: 'Not found', took: 0, requestId });
    });
  }

  get url(): string {
    return this.server.url;
  }

  async start(): Promise<this> {
    await this.server.start();
    return this;
  }

  close(): Promise<void> {
    return this.server.stop();
  }

  /** An outage: connections refused on the same port until `up()`. */
  down(): Promise<void> {
    return this.server.stop();
  }

  async up(): Promise<void> {
    await this.server.start();
  }

  actions(alias: string): string[] {
    return this.calls.filter((c) => c.alias === alias).map((c) => c.action);
  }
}

/** An outgoing webhook as the Opsgenie Webhook integration posts it, with the configured secret header. */
export async function sendOpsgenieWebhook(
  url: string,
  headers: Record<string, string>,
  o: { action: string; alias: string; username?: string },
): Promise<{ status: number; body: Record<string, unknown> }> {
  const payload = {
    action: o.action,
    alert: {
      alertId: '70413a06-38d6-4c85-92b8-5ebc900d42e2',
      message: `${o.alias} page`,
      tags: ['switchyard'],
      tinyId: '1791',
      alias: o.alias,
      createdAt: Date.now() - 60_000,
      updatedAt: Date.now(),
      username: o.username ?? 'System',
      userId: 'daed1180-0ce8-438b-8f8e-57e1a5920a2d',
      entity: '',
    },
    source: { name: '', type: 'web' },
    integrationName: 'Switchyard Webhook',
    integrationId: '8a9e5a48-0000-4000-8000-000000000002',
    integrationType: 'Webhook',
  };
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(payload),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}
