import { UpstreamError } from '../../core/errors.js';
import type { SnsWire } from '../../domain/sns/port.js';

/**
 * SNS over plain fetch. Redirects are refused: the URL was checked against the SNS origin, and a
 * redirect would take the request (and the trust in what it answers) to a host nobody checked.
 */
export class HttpSnsWire implements SnsWire {
  constructor(private readonly timeoutMs = 5000) {}

  async certificate(url: URL): Promise<string> {
    const res = await this.get(url, 'the signing certificate');
    const text = await res.text();
    if (text.length > 16_384) throw new UpstreamError('sns', 'the signing certificate is implausibly large');
    return text;
  }

  async confirm(url: URL): Promise<void> {
    const res = await this.get(url, 'the SubscribeURL');
    await res.arrayBuffer(); // drain; AWS answers a ConfirmSubscriptionResponse we need nothing from
  }

  private async get(url: URL, what: string): Promise<Response> {
    let res: Response;
    try {
      res = await fetch(url, { redirect: 'error', signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (err) {
      throw new UpstreamError('sns', `${what} could not be fetched (${(err as Error).name})`, { cause: err });
    }
    if (!res.ok) {
      await res.arrayBuffer().catch(() => undefined);
      throw new UpstreamError('sns', `${what} answered HTTP ${res.status}`, { retryable: res.status >= 500 || res.status === 429 });
    }
    return res;
  }
}
