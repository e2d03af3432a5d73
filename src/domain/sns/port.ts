import { UpstreamError } from '../../core/errors.js';

/** What SNS needs of the network (src/adapters/sns): two GETs to URLs already checked against the SNS origin. */
export interface SnsWire {
  /** The PEM text of the signing certificate. Throws UpstreamError when it cannot be had. */
  certificate(url: URL): Promise<string>;
  /** Visits a SubscribeURL: AWS then confirms the subscription. Throws UpstreamError on failure. */
  confirm(url: URL): Promise<void>;
}

/**
 * Signing certificates by URL, kept for an hour: AWS rotates them rarely and names a new one by a
 * new URL, so a cached certificate never goes stale under its URL. Bounded, oldest dropped first.
 */
export class CertificateCache {
  private readonly certs = new Map<string, { pem: string; until: number }>();

  constructor(
    private readonly wire: SnsWire,
    private readonly now: () => number,
    private readonly ttlMs = 60 * 60_000,
    private readonly max = 50,
  ) {}

  async get(url: URL): Promise<string> {
    const hit = this.certs.get(url.href);
    if (hit && hit.until > this.now()) return hit.pem;
    const pem = await this.wire.certificate(url);
    if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw new UpstreamError('sns', 'the signing certificate URL did not answer a PEM');
    this.certs.delete(url.href);
    this.certs.set(url.href, { pem, until: this.now() + this.ttlMs });
    for (const key of this.certs.keys()) {
      if (this.certs.size <= this.max) break;
      this.certs.delete(key);
    }
    return pem;
  }
}
