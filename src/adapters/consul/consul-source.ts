import { UpstreamError } from '../../core/errors.js';
import type { ConfigSource, SourceDocument } from '../../domain/injection/source.js';

export interface ConsulSourceOptions {
  addr: string;
  token?: string;
  /** Every layer path is under this KV prefix (CONSUL_PREFIX). */
  prefix: string;
  timeoutMs?: number;
  /** `wait` of blocking queries (Consul caps it at 10 minutes). */
  watchWaitMs?: number;
  /** Pause after a failed blocking query before the next one. */
  retryMs?: number;
}

interface KvEntry {
  Key: string;
  Value: string | null;
  ModifyIndex: number;
  Flags?: number;
}

/**
 * Consul KV over its HTTP API: a layer path is a folder whose direct children are the keys
 * (`<prefix>/<path>/<key>`), read with one `?recurse` request; values are base64. The ACL token
 * goes in X-Consul-Token. `watch` runs blocking queries (`?index=N&wait=...`) so changes are seen
 * without polling.
 */
export class ConsulSource implements ConfigSource {
  readonly kind = 'consul' as const;
  readonly location: string;

  constructor(private readonly o: ConsulSourceOptions) {
    this.location = o.addr;
  }

  private url(path: string, query: string): string {
    const key = [this.o.prefix, path].filter(Boolean).join('/');
    return `${this.o.addr.replace(/\/$/, '')}/v1/kv/${key.split('/').map(encodeURIComponent).join('/')}/?${query}`;
  }

  /**
   * One GET with its own timeout, tied to the caller's signal by a listener removed afterwards:
   * a watch's signal lives as long as the process, so nothing may pile up on it per request.
   */
  private async get(
    url: string,
    what: string,
    opts: { signal?: AbortSignal; timeoutMs?: number } = {},
  ): Promise<{ status: number; body: unknown; index: number }> {
    const ctrl = new AbortController();
    let timedOut = false;
    const timer = setTimeout(
      () => {
        timedOut = true;
        ctrl.abort();
      },
      opts.timeoutMs ?? this.o.timeoutMs ?? 5000,
    );
    const onAbort = () => ctrl.abort();
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      let res: Response;
      try {
        res = await fetch(url, { headers: this.o.token ? { 'X-Consul-Token': this.o.token } : {}, signal: ctrl.signal });
      } catch (err) {
        if (opts.signal?.aborted) throw err;
        const cause = (err as { cause?: { code?: string } }).cause?.code ?? (timedOut ? 'timeout' : undefined);
        throw new UpstreamError('Consul', `unreachable at ${this.o.addr}${cause ? ` (${cause})` : ''} reading ${what}`);
      }
      const index = Number(res.headers.get('x-consul-index') ?? 0);
      if (res.status === 404 || !res.ok) {
        await res.body?.cancel().catch(() => undefined);
        if (res.status === 404) return { status: 404, body: null, index };
        if (res.status === 403) throw new UpstreamError('Consul', `ACL token refused for ${what} (403)`, { retryable: false });
        throw new UpstreamError('Consul', `${what} answered HTTP ${res.status}`);
      }
      try {
        return { status: res.status, body: await res.json(), index };
      } catch {
        if (opts.signal?.aborted) throw new UpstreamError('Consul', `reading ${what} was stopped`);
        throw new UpstreamError('Consul', `${what} answered with a body that is not JSON`);
      }
    } finally {
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
    }
  }

  private toDoc(path: string, body: unknown, index: number): SourceDocument | null {
    if (!Array.isArray(body)) return null;
    const folder = `${[this.o.prefix, path].filter(Boolean).join('/')}/`;
    const doc: SourceDocument = { values: {}, version: index };
    for (const e of body as KvEntry[]) {
      const key = e.Key.slice(folder.length);
      // Direct children only: deeper folders belong to other layers (e.g. another environment).
      if (!e.Key.startsWith(folder) || !key || key.includes('/') || e.Value === null) continue;
      doc.values[key] = { value: Buffer.from(e.Value, 'base64').toString('utf8'), path: e.Key, version: e.ModifyIndex };
    }
    return Object.keys(doc.values).length ? doc : null;
  }

  async read(path: string): Promise<SourceDocument | null> {
    const r = await this.get(this.url(path, 'recurse=true'), path);
    return r.status === 404 ? null : this.toDoc(path, r.body, r.index);
  }

  describe(path: string): string {
    return [this.o.prefix, path].filter(Boolean).join('/');
  }

  async children(path: string): Promise<string[]> {
    const r = await this.get(this.url(path, 'keys=true&separator=/'), path);
    if (!Array.isArray(r.body)) return [];
    const folder = `${[this.o.prefix, path].filter(Boolean).join('/')}/`;
    return (r.body as string[]).map((k) => k.slice(folder.length).replace(/\/$/, '')).filter(Boolean);
  }

  async watch(
    path: string,
    h: { onChange(doc: SourceDocument | null): void; onError(err: Error): void },
    signal: AbortSignal,
  ): Promise<void> {
    const wait = this.o.watchWaitMs ?? 30_000;
    let index = 0;
    while (!signal.aborted) {
      try {
        const query = index > 0 ? `recurse=true&index=${index}&wait=${wait}ms` : 'recurse=true';
        const r = await this.get(this.url(path, query), path, { signal, timeoutMs: wait + (this.o.timeoutMs ?? 5000) });
        // Without an index every query returns at once: a hot loop. Report it; reads fall back to the cache TTL.
        if (!(r.index > 0))
          throw new UpstreamError('Consul', `${path} answered without X-Consul-Index, so it cannot be watched (a proxy dropping headers?)`);
        h.onChange(r.status === 404 ? null : this.toDoc(path, r.body, r.index));
        // Consul: an index that goes backwards (a snapshot restore) means start over.
        index = r.index >= index ? r.index : 0;
      } catch (err) {
        if (signal.aborted) return;
        h.onError(err instanceof Error ? err : new Error(String(err)));
        index = 0;
        await sleep(this.o.retryMs ?? 1000, signal);
      }
    }
  }
}

/** Resolves after `ms` or on abort, whichever comes first, leaving no listener behind. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const t = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
