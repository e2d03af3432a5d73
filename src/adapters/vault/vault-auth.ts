import type NodeVault from 'node-vault';
import { UpstreamError } from '../../core/errors.js';
import type { Clock, Logger } from '../../core/ports/runtime.js';

export type VaultCredentials = { token: string } | { roleId: string; secretId: string; mount?: string };

/** setTimeout's limit is 2^31-1 ms (~24.8 days); a longer TTL is re-checked when this runs out. */
const MAX_TIMER_MS = 86_400_000;

/**
 * Keeps the Vault client's token valid. A token is looked up once (lookup-self) and renewed
 * (renew-self) before its TTL runs out when it is renewable; an AppRole token is replaced by a
 * new login before its lease runs out, and after a 403 (revoked or expired early). Each request
 * checks first; an unref'd timer also renews at the same point, so a token is not lost while
 * nobody reads Vault (a renewable token past its TTL cannot be renewed). `stop()` clears it.
 */
export class VaultAuth {
  private expiresAt: number | undefined;
  private renewAt: number | undefined;
  private renewable = false;
  private ready = false;
  private pending: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly client: NodeVault.client,
    private readonly creds: VaultCredentials,
    private readonly deps: { clock: Clock; log: Logger; renewFraction: number; failure(err: unknown, what: string): UpstreamError },
  ) {}

  get mode(): 'token' | 'approle' {
    return 'token' in this.creds ? 'token' : 'approle';
  }

  /** Makes sure the client holds a token that will not expire during the next request. */
  async ensure(): Promise<void> {
    const now = this.deps.clock.now();
    if (this.ready && (this.renewAt === undefined || now < this.renewAt)) return;
    this.pending ??= this.refresh().finally(() => (this.pending = undefined));
    return this.pending;
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Renews (or logs in) at `renewAt` without waiting for a request; retried while the token lives. */
  private arm(delayMs?: number): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.stopped || this.renewAt === undefined || (this.mode === 'token' && !this.renewable)) return;
    const delay = delayMs ?? this.renewAt - this.deps.clock.now();
    this.timer = setTimeout(() => this.onTimer(), Math.min(MAX_TIMER_MS, Math.max(0, delay)));
    this.timer.unref();
  }

  private onTimer(): void {
    this.timer = undefined;
    if (this.stopped) return;
    if (this.renewAt !== undefined && this.deps.clock.now() < this.renewAt) return this.arm();
    this.ensure().catch((err: Error) => {
      this.deps.log.warn({ source: 'vault', err: err.message }, 'vault token renewal failed; retrying');
      const left = (this.expiresAt ?? 0) - this.deps.clock.now();
      if (left > 0) this.arm(Math.min(30_000, Math.max(1000, left / 2)));
    });
  }

  /** After a 403: an AppRole login is retried once; a static token cannot be fixed here. */
  async recover(): Promise<boolean> {
    if (this.mode !== 'approle') return false;
    this.ready = false;
    await this.ensure();
    return true;
  }

  private async refresh(): Promise<void> {
    if ('token' in this.creds) {
      if (!this.ready) await this.lookup(this.creds.token);
      else if (this.renewable) await this.renew();
      else if (this.expiresAt !== undefined && this.deps.clock.now() >= this.expiresAt) {
        throw new UpstreamError('Vault', 'the token has expired and is not renewable; set a new VAULT_TOKEN', { retryable: false });
      } else this.renewAt = this.expiresAt; // nothing to do until it expires
      return;
    }
    await this.login(this.creds);
  }

  private schedule(ttlSeconds: number): void {
    const now = this.deps.clock.now();
    if (ttlSeconds > 0) {
      this.expiresAt = now + ttlSeconds * 1000;
      this.renewAt = now + ttlSeconds * 1000 * this.deps.renewFraction;
    } else {
      this.expiresAt = undefined; // ttl 0: a token that never expires (e.g. root)
      this.renewAt = undefined;
    }
    this.ready = true;
    this.arm();
  }

  private async lookup(token: string): Promise<void> {
    this.client.token = token;
    try {
      const res = (await this.client.tokenLookupSelf()) as { data?: { ttl?: number; renewable?: boolean } };
      this.renewable = Boolean(res.data?.renewable);
      this.schedule(Number(res.data?.ttl ?? 0));
    } catch (err) {
      throw this.deps.failure(err, 'token lookup (auth/token/lookup-self)');
    }
  }

  private async renew(): Promise<void> {
    try {
      const res = (await this.client.tokenRenewSelf()) as { auth?: { lease_duration?: number; renewable?: boolean } };
      this.renewable = Boolean(res.auth?.renewable);
      this.schedule(Number(res.auth?.lease_duration ?? 0));
      this.deps.log.info({ source: 'vault' }, 'vault token renewed');
    } catch (err) {
      throw this.deps.failure(err, 'token renewal (auth/token/renew-self)');
    }
  }

  private async login(c: { roleId: string; secretId: string; mount?: string }): Promise<void> {
    try {
      const res = (await this.client.approleLogin({
        role_id: c.roleId,
        secret_id: c.secretId,
        ...(c.mount ? { mount_point: c.mount } : {}),
      })) as {
        auth?: { client_token?: string; lease_duration?: number; renewable?: boolean };
      };
      if (!res.auth?.client_token) throw new UpstreamError('Vault', 'AppRole login answered without a token', { retryable: false });
      this.client.token = res.auth.client_token;
      this.renewable = false; // a fresh login is cheaper to reason about than renewing AppRole tokens
      this.schedule(Number(res.auth.lease_duration ?? 0));
      this.deps.log.info({ source: 'vault', leaseSeconds: res.auth.lease_duration ?? 0 }, 'vault approle login');
    } catch (err) {
      this.ready = false;
      throw err instanceof UpstreamError ? err : this.deps.failure(err, 'AppRole login (auth/approle/login)');
    }
  }
}
