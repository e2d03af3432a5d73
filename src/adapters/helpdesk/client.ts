import { createHmac } from 'node:crypto';
import { UpstreamError } from '../../core/errors.js';
import type { HelpdeskEvent, HelpdeskNotifier } from '../../domain/incidents/helpdesk-port.js';
import { toPlainText } from '../../core/outbound.js';

/**
 * The outbound help desk webhook: a JSON POST signed with HELPDESK_WEBHOOK_SECRET.
 * Headers: `X-Switchyard-Timestamp: <unix seconds>`,
 * `X-Switchyard-Signature: v1=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>`,
 * `X-Switchyard-Delivery: <delivery_id>` (stable across retries).
 * The secret and the URL's credentials never appear in errors or logs.
 */
export function signOutbound(secret: string, timestamp: string, body: string): string {
  return `v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

export class HelpdeskWebhookClient implements HelpdeskNotifier {
  constructor(private readonly o: { url: string; secret: string; timeoutMs?: number; now?: () => number }) {}

  async send(event: HelpdeskEvent): Promise<void> {
    // Leaves the chat boundary too: plain text, no outbound markers (see core/outbound.ts).
    const body = JSON.stringify(event, (_k, v: unknown) => (typeof v === 'string' ? toPlainText(v) : v));
    const timestamp = String(Math.floor((this.o.now ?? Date.now)() / 1000));
    let res: Response;
    try {
      res = await fetch(this.o.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-switchyard-timestamp': timestamp,
          'x-switchyard-signature': signOutbound(this.o.secret, timestamp, body),
          'x-switchyard-delivery': event.delivery_id,
        },
        body,
        signal: AbortSignal.timeout(this.o.timeoutMs ?? 10_000),
      });
    } catch (err) {
      throw new UpstreamError('Help desk', `webhook not reachable (${(err as Error).name})`);
    }
    await res.arrayBuffer().catch(() => undefined);
    if (!res.ok)
      throw new UpstreamError('Help desk', `webhook answered HTTP ${res.status}`, { retryable: res.status >= 500 || res.status === 429 });
  }
}
