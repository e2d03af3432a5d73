import type { IncomingMessage, ServerResponse } from 'node:http';
import { LoopbackServer, sendJson } from './http-fake.js';

/**
 * A loopback Consul KV speaking its HTTP API (see wire-facts): `GET /v1/kv/<key>` answers
 * `[{Key, Value:<base64>, ModifyIndex, ...}]` or 404, `?recurse` for a prefix, `?keys` (with
 * `separator`) for names only, `X-Consul-Index` on every answer, and blocking queries
 * (`?index=N&wait=D`) that hold the request until the index passes N or the wait ends.
 * With an ACL token configured, requests without it get 403 like Consul's ACL system.
 */
interface Entry {
  value: Buffer | null;
  createIndex: number;
  modifyIndex: number;
  flags: number;
}

export interface ConsulRequest {
  method: string;
  path: string;
  query: string;
  hadToken: boolean;
}

export class FakeConsul {
  readonly requests: ConsulRequest[] = [];
  private readonly server = new LoopbackServer((req, body, res) => this.handle(req, body, res));
  private readonly kv = new Map<string, Entry>();
  private index = 10;
  private waiters = new Set<() => void>();

  /** When set, every request must carry it (X-Consul-Token or ?token=). */
  readonly aclToken: string | undefined;
  /** Plays a proxy in front of Consul that drops the X-Consul-Index header. */
  dropIndexHeader = false;

  constructor(o: { aclToken?: string } = {}) {
    this.aclToken = o.aclToken;
  }

  get url(): string {
    return this.server.url;
  }

  async start(): Promise<this> {
    await this.server.start();
    return this;
  }

  stop(): Promise<void> {
    for (const w of this.waiters) w();
    return this.server.stop();
  }

  put(key: string, value: string): number {
    this.index += 1;
    const prev = this.kv.get(key);
    this.kv.set(key, {
      value: Buffer.from(value, 'utf8'),
      createIndex: prev?.createIndex ?? this.index,
      modifyIndex: this.index,
      flags: 0,
    });
    this.wake();
    return this.index;
  }

  delete(key: string): void {
    this.index += 1;
    this.kv.delete(key);
    this.wake();
  }

  /** Blocking queries whose request carried `index=` (to check a watch is in use). */
  blockingQueries(): ConsulRequest[] {
    return this.requests.filter((r) => new URLSearchParams(r.query).has('index'));
  }

  private wake(): void {
    const ws = [...this.waiters];
    this.waiters.clear();
    for (const w of ws) w();
  }

  private matching(key: string, recurse: boolean): Array<[string, Entry]> {
    return [...this.kv.entries()].filter(([k]) => (recurse ? k.startsWith(key) : k === key)).sort(([a], [b]) => a.localeCompare(b));
  }

  /** The index a query sees: the newest change among its keys, else the store's index. */
  private indexOf(key: string, recurse: boolean): number {
    const m = this.matching(key, recurse);
    return m.length ? Math.max(...m.map(([, e]) => e.modifyIndex)) : this.index;
  }

  private async handle(req: IncomingMessage, body: Buffer, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://consul');
    const q = url.searchParams;
    const token = (req.headers['x-consul-token'] as string | undefined) ?? q.get('token') ?? undefined;
    this.requests.push({ method: req.method ?? 'GET', path: url.pathname, query: url.search.slice(1), hadToken: Boolean(token) });
    if (!url.pathname.startsWith('/v1/kv/')) return sendJson(res, 404, undefined);
    if (this.aclToken && token !== this.aclToken) {
      res.writeHead(403, { 'content-type': 'text/plain; charset=utf-8' });
      return void res.end(token ? 'ACL not found' : 'Permission denied');
    }
    const key = url.pathname.slice('/v1/kv/'.length).split('/').map(decodeURIComponent).join('/');
    if (req.method === 'PUT') {
      this.put(key, body.toString('utf8'));
      return sendJson(res, 200, true);
    }
    if (req.method === 'DELETE') {
      this.delete(key);
      return sendJson(res, 200, true);
    }
    const recurse = q.has('recurse') || q.has('keys');
    const wanted = Number(q.get('index') ?? 0);
    if (wanted > 0) await this.block(() => this.indexOf(key, recurse) > wanted, waitMs(q.get('wait')));
    const headers: Record<string, string> = {
      'X-Consul-Index': String(this.indexOf(key, recurse)),
      'X-Consul-KnownLeader': 'true',
      'X-Consul-LastContact': '0',
    };
    if (this.dropIndexHeader) delete headers['X-Consul-Index'];
    const found = this.matching(key, recurse);
    if (!found.length) return sendJson(res, 404, undefined, headers);
    if (q.has('keys')) {
      const sep = q.get('separator');
      const names = new Set<string>();
      for (const [k] of found) {
        const cut = sep ? k.indexOf(sep, key.length) : -1;
        names.add(cut < 0 ? k : k.slice(0, cut + sep!.length));
      }
      return sendJson(res, 200, [...names], headers);
    }
    return sendJson(
      res,
      200,
      found.map(([k, e]) => ({
        LockIndex: 0,
        Key: k,
        Flags: e.flags,
        Value: e.value === null ? null : e.value.toString('base64'),
        CreateIndex: e.createIndex,
        ModifyIndex: e.modifyIndex,
      })),
      headers,
    );
  }

  private block(done: () => boolean, ms: number): Promise<void> {
    return new Promise((resolve) => {
      let finished = false;
      const timer = setTimeout(finish, ms);
      const check = () => {
        if (finished) return;
        if (done()) finish();
        else this.waiters.add(check);
      };
      function finish() {
        finished = true;
        clearTimeout(timer);
        resolve();
      }
      check();
    });
  }
}

/** Consul's `wait`: a Go duration (`500ms`, `30s`, `5m`), default 5 minutes, at most 10. */
function waitMs(w: string | null): number {
  const m = /^(\d+)(ms|s|m)?$/.exec(w ?? '');
  if (!m) return 5 * 60_000;
  const n = Number(m[1]);
  const ms = m[2] === 'ms' ? n : m[2] === 'm' ? n * 60_000 : n * 1000;
  return Math.min(ms, 10 * 60_000);
}
