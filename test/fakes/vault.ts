import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LoopbackServer, sendJson } from './http-fake.js';

/**
 * A loopback Vault speaking the HTTP API node-vault uses (see wire-facts): KV version 2 under one
 * mount (data read/write, metadata list via LIST or `?list=`), AppRole login, token lookup-self
 * and renew-self, X-Vault-Namespace, and errors as Vault writes them: `{"errors":[]}` with 404
 * for a missing path, 403 `permission denied` for a bad, expired or unauthorised token.
 */
interface TokenInfo {
  ttlSeconds: number;
  expiresAt: number;
  renewable: boolean;
  createdAt: number;
  role?: string;
}

interface Version {
  data: Record<string, unknown>;
  createdAt: string;
}

export interface FakeVaultOptions {
  mount?: string;
  /** When set, requests must carry this X-Vault-Namespace (others find no route). */
  namespace?: string;
}

export interface VaultRequest {
  method: string;
  path: string;
  namespace?: string;
  hadToken: boolean;
}

export class FakeVault {
  readonly mount: string;
  readonly rootToken = `hvs.root-${randomBytes(8).toString('hex')}`;
  readonly requests: VaultRequest[] = [];
  /** Tokens handed out by issueToken and logins, oldest first. */
  readonly issued: string[] = [];
  logins = 0;
  renewals = 0;
  private readonly server = new LoopbackServer((req, body, res) => this.handle(req, body, res));
  private readonly tokens = new Map<string, TokenInfo>();
  private readonly kv = new Map<string, Version[]>();
  private readonly roles = new Map<string, { secretId: string; ttlSeconds: number }>();
  private readonly denied: string[] = [];

  constructor(private readonly o: FakeVaultOptions = {}) {
    this.mount = o.mount ?? 'secret';
    this.tokens.set(this.rootToken, { ttlSeconds: 0, expiresAt: 0, renewable: false, createdAt: Date.now() });
  }

  get url(): string {
    return this.server.url;
  }

  async start(): Promise<this> {
    await this.server.start();
    return this;
  }

  stop(): Promise<void> {
    return this.server.stop();
  }

  /** Writes a new version of a KV v2 secret; returns its version number. */
  put(path: string, data: Record<string, unknown>): number {
    const versions = this.kv.get(path) ?? [];
    versions.push({ data: { ...data }, createdAt: new Date().toISOString() });
    this.kv.set(path, versions);
    return versions.length;
  }

  /** Tokens reading paths under this prefix get 403 (a policy that does not grant it). */
  deny(pathPrefix: string): void {
    this.denied.push(pathPrefix);
  }

  addAppRole(role: string, ttlSeconds: number): { roleId: string; secretId: string } {
    const roleId = randomUUID();
    const secretId = randomUUID();
    this.roles.set(roleId, { secretId, ttlSeconds });
    void role;
    return { roleId, secretId };
  }

  issueToken(ttlSeconds: number, renewable: boolean): string {
    const token = `hvs.${randomBytes(12).toString('hex')}`;
    this.tokens.set(token, { ttlSeconds, renewable, createdAt: Date.now(), expiresAt: ttlSeconds ? Date.now() + ttlSeconds * 1000 : 0 });
    this.issued.push(token);
    return token;
  }

  revoke(token: string): void {
    this.tokens.delete(token);
  }

  private tokenOf(req: IncomingMessage): { token: string; info: TokenInfo } | undefined {
    const token = req.headers['x-vault-token'];
    if (typeof token !== 'string') return undefined;
    const info = this.tokens.get(token);
    if (!info || (info.expiresAt && Date.now() >= info.expiresAt)) return undefined;
    return { token, info };
  }

  private handle(req: IncomingMessage, body: Buffer, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://vault');
    const ns = typeof req.headers['x-vault-namespace'] === 'string' ? req.headers['x-vault-namespace'] : undefined;
    const method = req.method ?? 'GET';
    this.requests.push({
      method,
      path: url.pathname,
      ...(ns ? { namespace: ns } : {}),
      hadToken: typeof req.headers['x-vault-token'] === 'string',
    });
    const route = url.pathname.replace(/^\/v1\//, '');
    if (!url.pathname.startsWith('/v1/')) return sendJson(res, 404, { errors: [] });
    if (route === 'sys/health') return sendJson(res, 200, { initialized: true, sealed: false, standby: false, version: '1.15.0' });
    if (this.o.namespace && ns !== this.o.namespace)
      return sendJson(res, 404, { errors: [`no handler for route "${route}". route entry not found.`] });
    const json = parse(body);
    if (route === 'auth/approle/login' && (method === 'POST' || method === 'PUT')) return this.login(json, res);
    const auth = this.tokenOf(req);
    if (!auth) return sendJson(res, 403, { errors: ['permission denied'] });
    if (route === 'auth/token/lookup-self' && method === 'GET') return this.lookup(auth.token, auth.info, res);
    if (route === 'auth/token/renew-self' && (method === 'POST' || method === 'PUT')) return this.renew(auth.token, auth.info, res);
    const prefix = `${this.mount}/`;
    if (!route.startsWith(prefix)) return sendJson(res, 404, { errors: [`no handler for route "${route}". route entry not found.`] });
    const [kind, ...rest] = route.slice(prefix.length).split('/');
    const path = rest.map(decodeURIComponent).join('/');
    if (this.denied.some((d) => path.startsWith(d)))
      return sendJson(res, 403, { errors: ['1 error occurred:\n\t* permission denied\n\n'] });
    const listing = method === 'LIST' || (method === 'GET' && ['true', '1'].includes(url.searchParams.get('list') ?? ''));
    if (kind === 'metadata' && listing) return this.list(path, res);
    if (kind === 'data' && method === 'GET') return this.read(path, res);
    if (kind === 'data' && (method === 'POST' || method === 'PUT')) {
      const version = this.put(path, (json as { data?: Record<string, unknown> }).data ?? {});
      return sendJson(res, 200, envelope({ created_time: new Date().toISOString(), deletion_time: '', destroyed: false, version }));
    }
    return sendJson(res, 405, { errors: [`unsupported operation`] });
  }

  private login(json: unknown, res: ServerResponse): void {
    const { role_id: roleId, secret_id: secretId } = (json ?? {}) as { role_id?: string; secret_id?: string };
    const role = roleId ? this.roles.get(roleId) : undefined;
    if (!role) return sendJson(res, 400, { errors: ['invalid role ID'] });
    if (role.secretId !== secretId) return sendJson(res, 400, { errors: ['invalid secret id'] });
    this.logins += 1;
    const token = this.issueToken(role.ttlSeconds, true);
    return sendJson(res, 200, {
      ...envelope(null),
      auth: {
        client_token: token,
        accessor: randomUUID(),
        policies: ['default', 'switchyard'],
        token_policies: ['default', 'switchyard'],
        metadata: { role_name: 'switchyard' },
        lease_duration: role.ttlSeconds,
        renewable: true,
        entity_id: randomUUID(),
        token_type: 'service',
        orphan: true,
      },
    });
  }

  private lookup(token: string, info: TokenInfo, res: ServerResponse): void {
    const ttl = info.expiresAt ? Math.max(0, Math.round((info.expiresAt - Date.now()) / 1000)) : 0;
    return sendJson(
      res,
      200,
      envelope({
        accessor: randomUUID(),
        creation_time: Math.floor(info.createdAt / 1000),
        creation_ttl: info.ttlSeconds,
        display_name: 'token',
        entity_id: '',
        expire_time: info.expiresAt ? new Date(info.expiresAt).toISOString() : null,
        explicit_max_ttl: 0,
        id: token,
        meta: null,
        num_uses: 0,
        orphan: false,
        path: 'auth/token/create',
        policies: ['default', 'switchyard'],
        renewable: info.renewable,
        ttl,
        type: 'service',
      }),
    );
  }

  private renew(token: string, info: TokenInfo, res: ServerResponse): void {
    if (!info.renewable) return sendJson(res, 400, { errors: ['lease is not renewable'] });
    this.renewals += 1;
    info.expiresAt = Date.now() + info.ttlSeconds * 1000;
    return sendJson(res, 200, {
      ...envelope(null),
      auth: { client_token: token, accessor: randomUUID(), policies: ['default'], lease_duration: info.ttlSeconds, renewable: true },
    });
  }

  private read(path: string, res: ServerResponse): void {
    const versions = this.kv.get(path);
    const latest = versions?.at(-1);
    if (!versions || !latest) return sendJson(res, 404, { errors: [] });
    return sendJson(
      res,
      200,
      envelope({
        data: latest.data,
        metadata: { created_time: latest.createdAt, custom_metadata: null, deletion_time: '', destroyed: false, version: versions.length },
      }),
    );
  }

  private list(path: string, res: ServerResponse): void {
    const folder = path ? `${path.replace(/\/$/, '')}/` : '';
    const keys = new Set<string>();
    for (const p of this.kv.keys()) {
      if (!p.startsWith(folder)) continue;
      const rest = p.slice(folder.length);
      const slash = rest.indexOf('/');
      keys.add(slash < 0 ? rest : rest.slice(0, slash + 1));
    }
    if (!keys.size) return sendJson(res, 404, { errors: [] });
    return sendJson(res, 200, envelope({ keys: [...keys].sort() }));
  }
}

function envelope(data: unknown): Record<string, unknown> {
  return { request_id: randomUUID(), lease_id: '', renewable: false, lease_duration: 0, data, wrap_info: null, warnings: null, auth: null };
}

function parse(body: Buffer): unknown {
  if (!body.length) return {};
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return {};
  }
}
