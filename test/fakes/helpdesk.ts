import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The help desk, both ways, over loopback HTTP:
 * - a receiver for Switchyard's outbound webhook that checks `X-Switchyard-Signature`
 *   (v1=HMAC-SHA256(secret, "<timestamp>.<raw body>")) and the timestamp, answering 401 when they
 *   do not hold, and records what it got;
 * - `sendToSwitchyard`, a signed request to POST /hooks/helpdesk.
 */
export interface ReceivedHook {
  verified: boolean;
  /** What the fake answered: 200, 401 (bad signature) or 503 (failNext). */
  status: number;
  headers: Record<string, string | undefined>;
  body: Record<string, unknown>;
}

function hmac(secret: string, ts: string, raw: string): string {
  return `v1=${createHmac('sha256', secret).update(`${ts}.${raw}`).digest('hex')}`;
}

export class FakeHelpdesk {
  readonly received: ReceivedHook[] = [];
  private server: Server | undefined;
  private failures: Array<(body: Record<string, unknown>) => boolean> = [];
  url = '';

  constructor(private readonly secret: string) {}

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : v]));
        const ts = headers['x-switchyard-timestamp'] ?? '';
        const sig = headers['x-switchyard-signature'] ?? '';
        const expected = hmac(this.secret, ts, raw);
        const fresh = /^\d+$/.test(ts) && Math.abs(Date.now() / 1000 - Number(ts)) < 300;
        const verified = fresh && sig.length === expected.length && timingSafeEqual(Buffer.from(sig), Buffer.from(expected));
        let body: Record<string, unknown> = {};
        try {
          body = JSON.parse(raw) as Record<string, unknown>;
        } catch {
          body = {};
        }
        const fail = this.failures.findIndex((match) => match(body));
        if (fail >= 0) this.failures.splice(fail, 1);
        const status = fail >= 0 ? 503 : verified ? 200 : 401;
        this.received.push({ verified, status, headers, body });
        if (status === 503) {
          res.writeHead(503).end();
          return;
        }
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: verified }));
      });
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', () => r()));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/switchyard`;
    return this;
  }

  /** The next `n` deliveries (matching `match`, if given) get a 503: the sender must retry. */
  failNext(n = 1, match: (body: Record<string, unknown>) => boolean = () => true): void {
    for (let i = 0; i < n; i++) this.failures.push(match);
  }

  /** Deliveries accepted (signed right, answered 200). */
  events(name?: string): ReceivedHook[] {
    return this.received.filter((r) => r.status === 200 && (name === undefined || r.body.event === name));
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}

/** A help desk request to Switchyard, signed unless `unsigned`; `timestamp` forges old ones. */
export async function sendToSwitchyard(
  url: string,
  secret: string,
  body: unknown,
  o: { unsigned?: boolean; timestamp?: number; badSignature?: boolean } = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const raw = JSON.stringify(body);
  const ts = String(o.timestamp ?? Math.floor(Date.now() / 1000));
  const sig = o.badSignature ? hmac('not-the-secret', ts, raw) : hmac(secret, ts, raw);
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(o.unsigned ? {} : { 'x-helpdesk-timestamp': ts, 'x-helpdesk-signature': sig }) },
    body: raw,
  });
  const text = await res.text();
  try {
    return { status: res.status, body: JSON.parse(text) as Record<string, unknown> };
  } catch {
    return { status: res.status, body: { raw: text } };
  }
}
