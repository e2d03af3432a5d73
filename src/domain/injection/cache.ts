import { UpstreamError } from '../../core/errors.js';
import type { Clock, Logger } from '../../core/ports/runtime.js';
import type { ConfigSource, SourceDocument } from './source.js';

/**
 * Brief in-process cache of source documents, keyed by source and path. It lives in memory only:
 * documents may hold secrets, and secrets never go to Redis. When a source fails, the last
 * document read from it is served marked stale, with the failure, instead of failing the read.
 * With a watching source (Consul blocking queries) a watched document stays fresh while its
 * watch is healthy, so changes show up without waiting for the cache to expire.
 */
export interface CachedRead {
  doc: SourceDocument | null;
  fetchedAt: number;
  /** Set when the source failed and this is an older copy. */
  stale?: { reason: string };
}

interface Entry {
  doc: SourceDocument | null;
  fetchedAt: number;
  watched: boolean;
}

export class SourceCache {
  private readonly entries = new Map<string, Entry>();
  private readonly inflight = new Map<string, Promise<CachedRead>>();
  private readonly watches = new Map<string, AbortController>();
  /** Set by stop(): a read finishing during shutdown must not start a watch that outlives it. */
  private stopped = false;

  constructor(private readonly deps: { clock: Clock; ttlMs: number; log: Logger; watch: boolean }) {}

  async read(source: ConfigSource, path: string): Promise<CachedRead> {
    const id = `${source.kind}\u0000${path}`;
    const entry = this.entries.get(id);
    if (entry && (entry.watched || this.deps.clock.now() - entry.fetchedAt < this.deps.ttlMs))
      return { doc: entry.doc, fetchedAt: entry.fetchedAt };
    const running = this.inflight.get(id);
    if (running) return running;
    const p = this.fetch(source, path, id).finally(() => this.inflight.delete(id));
    this.inflight.set(id, p);
    return p;
  }

  private async fetch(source: ConfigSource, path: string, id: string): Promise<CachedRead> {
    try {
      const doc = await source.read(path);
      const fetchedAt = this.deps.clock.now();
      this.entries.set(id, { doc, fetchedAt, watched: this.entries.get(id)?.watched ?? false });
      this.startWatch(source, path, id);
      return { doc, fetchedAt };
    } catch (err) {
      const reason = err instanceof UpstreamError ? err.message : `${source.kind}: read failed`;
      const entry = this.entries.get(id);
      this.deps.log.warn({ source: source.kind, path, stale: Boolean(entry), reason }, 'config source read failed');
      if (!entry) throw err instanceof UpstreamError ? err : new UpstreamError(source.kind, `cannot read ${path}`);
      return { doc: entry.doc, fetchedAt: entry.fetchedAt, stale: { reason } };
    }
  }

  private startWatch(source: ConfigSource, path: string, id: string): void {
    if (this.stopped || !this.deps.watch || !source.watch || this.watches.has(id)) return;
    const ctrl = new AbortController();
    this.watches.set(id, ctrl);
    const setWatched = (watched: boolean) => {
      const e = this.entries.get(id);
      if (e) e.watched = watched;
    };
    void source
      .watch(
        path,
        {
          onChange: (doc) => this.entries.set(id, { doc, fetchedAt: this.deps.clock.now(), watched: true }),
          // Back to TTL reads (and stale fallbacks) while the watch cannot reach the source.
          onError: (err) => {
            setWatched(false);
            this.deps.log.warn({ source: source.kind, path, reason: err.message }, 'config watch failed; retrying');
          },
        },
        ctrl.signal,
      )
      .catch((err: Error) => this.deps.log.warn({ source: source.kind, path, reason: err.message }, 'config watch stopped'))
      .finally(() => setWatched(false));
  }

  /** Forgets every document (tests, or after configuration changes). */
  clear(): void {
    this.entries.clear();
  }

  /** Watches running now (for shutdown checks). */
  get watching(): number {
    return this.watches.size;
  }

  stop(): void {
    this.stopped = true;
    for (const c of this.watches.values()) c.abort();
    this.watches.clear();
  }
}
