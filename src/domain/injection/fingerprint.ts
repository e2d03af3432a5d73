import { createHmac, hkdfSync, randomBytes } from 'node:crypto';

/**
 * Masked values show `••••` and a short fingerprint so two secrets can be compared without being
 * shown. The fingerprint is the first 6 hex digits of HMAC-SHA256(key, value), never a plain hash:
 * a plain hash of a short secret could be brute-forced by anyone who sees the fingerprint, while
 * the HMAC needs the key, which is kept away from the fingerprints (in Vault, or derived from
 * CONFIG_FINGERPRINT_KEY) and held only in process memory.
 */
import { MASK } from '../../core/mask.js';

export { MASK };

export interface FingerprintKey {
  /** How the key was obtained, for operators (no key material). */
  readonly origin: string;
  /** The key; throws when it cannot be obtained now (then values are masked without fingerprint). */
  get(): Promise<Buffer>;
}

/** After a failed key fetch, masks go without fingerprint this long before trying again. */
const RETRY_KEY_MS = 30_000;

export class Fingerprinter {
  private key: Buffer | undefined;
  private failedAt: number | undefined;

  constructor(
    private readonly source: FingerprintKey,
    private readonly now: () => number = Date.now,
  ) {}

  get origin(): string {
    return this.source.origin;
  }

  /** Null when the key is unavailable: showing no fingerprint beats one that will not compare. */
  async fingerprint(value: string): Promise<string | null> {
    if (!this.key) {
      if (this.failedAt !== undefined && this.now() - this.failedAt < RETRY_KEY_MS) return null;
      try {
        this.key = await this.source.get();
        this.failedAt = undefined;
      } catch {
        this.failedAt = this.now(); // one failed fetch per window, not one per masked value
        return null;
      }
    }
    return createHmac('sha256', this.key).update(value, 'utf8').digest('hex').slice(0, 6);
  }

  /** `mrkdwn` for prose (fingerprint in a code span), `plain` inside code blocks. */
  async mask(value: string, style: 'mrkdwn' | 'plain' = 'mrkdwn'): Promise<string> {
    const fp = await this.fingerprint(value);
    if (!fp) return `${MASK} (no fingerprint)`;
    return style === 'plain' ? `${MASK}[${fp}]` : `${MASK} \`${fp}\``;
  }
}

/** A key derived from a deployment secret (same in every process of the deployment). */
export function derivedKey(secret: string, origin: string): FingerprintKey {
  const key = Buffer.from(hkdfSync('sha256', secret, 'switchyard', 'config-fingerprint-v1', 32));
  return { origin, get: () => Promise.resolve(key) };
}

export const PROCESS_KEY_ORIGIN = 'random key of this process (fingerprints do not compare across processes or restarts)';

/** Last resort: a random key per process, so fingerprints compare only within one process. */
export function processKey(): FingerprintKey {
  const key = randomBytes(32);
  return { origin: PROCESS_KEY_ORIGIN, get: () => Promise.resolve(key) };
}
