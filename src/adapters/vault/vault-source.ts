import nodeVault from 'node-vault';
import { UpstreamError } from '../../core/errors.js';
import type { Clock, Logger } from '../../core/ports/runtime.js';
import type { ConfigSource, SourceDocument } from '../../domain/injection/source.js';
import { VaultAuth, type VaultCredentials } from './vault-auth.js';

export interface VaultSourceOptions {
  addr: string;
  credentials: VaultCredentials;
  /** Enterprise namespace, sent as X-Vault-Namespace. */
  namespace?: string;
  /** KV version 2 mount (VAULT_KV_MOUNT). */
  mount: string;
  timeoutMs?: number;
  /** Renew or log in again once this fraction of the token's TTL has passed. */
  renewFraction?: number;
  clock: Clock;
  log: Logger;
}

/**
 * Vault KV version 2 through node-vault: one secret per layer path (`<mount>/data/<path>`)
 * holding the layer's keys. `noCustomHTTPVerbs` makes list a `GET ?list=1` instead of the LIST
 * verb, which proxies and Node's own HTTP server refuse. Errors name Vault, the path and the
 * status, never the token or a value.
 */
export class VaultSource implements ConfigSource {
  readonly kind = 'vault' as const;
  readonly location: string;
  private readonly client: nodeVault.client;
  private readonly auth: VaultAuth;

  constructor(private readonly o: VaultSourceOptions) {
    this.location = o.addr;
    this.client = nodeVault({
      endpoint: o.addr,
      apiVersion: 'v1',
      noCustomHTTPVerbs: true,
      ...(o.namespace ? { namespace: o.namespace } : {}),
      requestOptions: { timeout: o.timeoutMs ?? 5000 },
      // node-vault's debug output includes request bodies (AppRole secret ids): keep it silent.
      debug: () => undefined,
    });
    this.auth = new VaultAuth(this.client, o.credentials, {
      clock: o.clock,
      log: o.log,
      renewFraction: o.renewFraction ?? 0.75,
      failure: (err, what) => this.failure(err, what),
    });
  }

  private mounted(kind: 'data' | 'metadata', path: string): string {
    return `${this.o.mount}/${kind}/${path.split('/').map(encodeURIComponent).join('/')}`.replace(/\/$/, '');
  }

  async read(path: string): Promise<SourceDocument | null> {
    const full = this.mounted('data', path);
    const res = (await this.call(full, () => this.client.read(full))) as {
      data?: { data?: Record<string, unknown> | null; metadata?: { version?: number; deletion_time?: string; destroyed?: boolean } };
    } | null;
    const data = res?.data?.data;
    if (!res || !data) return null; // absent, or the latest version deleted/destroyed
    const version = res.data?.metadata?.version;
    const doc: SourceDocument = { values: {}, ...(version !== undefined ? { version } : {}) };
    for (const [key, v] of Object.entries(data)) {
      if (v === null || v === undefined) continue;
      doc.values[key] = {
        value: typeof v === 'string' ? v : JSON.stringify(v),
        path: `${this.o.mount}/${path}`,
        ...(version !== undefined ? { version } : {}),
      };
    }
    return doc;
  }

  describe(path: string): string {
    return `${this.o.mount}/${path}`;
  }

  /** Stops the background token renewal (shutdown). */
  stop(): void {
    this.auth.stop();
  }

  async children(path: string): Promise<string[]> {
    const full = this.mounted('metadata', path);
    const res = (await this.call(full, () => this.client.list(full))) as { data?: { keys?: string[] } } | null;
    return res?.data?.keys ?? [];
  }

  /** One request with a valid token; a 404 is null; a 403 with AppRole logs in again once. */
  private async call(path: string, request: () => Promise<unknown>): Promise<unknown> {
    await this.auth.ensure();
    try {
      return await request();
    } catch (err) {
      if (status(err) === 404) return null;
      if (status(err) === 403 && (await this.auth.recover().catch(() => false))) {
        try {
          return await request();
        } catch (again) {
          if (status(again) === 404) return null;
          throw this.failure(again, path);
        }
      }
      throw this.failure(err, path);
    }
  }

  private failure(err: unknown, what: string): UpstreamError {
    const code = status(err);
    if (code === 403) return new UpstreamError('Vault', `permission denied for ${what} (403)`, { retryable: false });
    if (code === 400) return new UpstreamError('Vault', `refused ${what} (400: bad credentials or request)`, { retryable: false });
    if (code !== undefined) return new UpstreamError('Vault', `${what} answered HTTP ${code}`);
    const net = (err as { code?: string }).code;
    return new UpstreamError('Vault', `unreachable at ${this.o.addr}${net ? ` (${net})` : ''} during ${what}`);
  }
}

function status(err: unknown): number | undefined {
  const r = (err as { response?: { statusCode?: number } } | undefined)?.response;
  return typeof r?.statusCode === 'number' ? r.statusCode : undefined;
}
