import { ABORT, type Store } from '../../core/ports/store.js';
import type { RunDoc } from './model.js';

/**
 * Where runs live in Redis: the run documents, history indexes, the set of unfinished runs the
 * watchdog looks after, stage logs and stage leases.
 */
export const DEFAULT_RUN_RETENTION_MS = 400 * 86_400_000;
const LOG_MAX_LINES = 5000;

const leaseValue = (owner: string) => ({ owner });

export class RunRepo {
  /** `retentionMs` (RUN_RETENTION_DAYS): a stage log outlives its last line by as long as a run is kept. */
  constructor(
    private readonly store: Store,
    private readonly retentionMs = DEFAULT_RUN_RETENTION_MS,
  ) {}

  runKey(id: string): string {
    return this.store.key('pipelines', 'run', id);
  }

  async nextId(): Promise<string> {
    return `r${await this.store.incr(this.store.key('pipelines', 'seq'))}`;
  }

  async create(doc: RunDoc): Promise<void> {
    await this.store.setJson(this.runKey(doc.id), doc);
    for (const index of this.indexKeys(doc)) await this.store.zAdd(index, doc.createdAt, doc.id);
    await this.store.setAdd(this.activeKey(), doc.id);
  }

  get(id: string): Promise<RunDoc | null> {
    return this.store.getJson<RunDoc>(this.runKey(id));
  }

  /** Atomic read-modify-write of a run; `fn` may run more than once, so keep it pure. */
  update(id: string, fn: (doc: RunDoc) => RunDoc | typeof ABORT): Promise<RunDoc | null> {
    return this.store.update<RunDoc>(this.runKey(id), (cur) => (cur ? fn(cur) : ABORT));
  }

  async recent(filter: { service?: string; pipeline?: string; env?: string; sinceMs?: number; limit?: number }): Promise<RunDoc[]> {
    const index = filter.pipeline
      ? ['runs', 'pipeline', filter.pipeline]
      : filter.service
        ? ['runs', 'service', filter.service]
        : ['runs', 'all'];
    const limit = filter.limit ?? 20;
    const ids = await this.store.zRange(this.store.key('pipelines', ...index), {
      rev: true,
      min: filter.sinceMs ?? 0,
      limit: filter.env || (filter.pipeline && filter.service) ? limit * 10 : limit,
    });
    const docs = await this.store.getManyJson<RunDoc>(ids.map((x) => this.runKey(x.member)));
    return docs
      .filter((d): d is RunDoc => d !== null)
      .filter((d) => (!filter.env || d.env === filter.env) && (!filter.service || d.service === filter.service))
      .slice(0, limit);
  }

  activeKey(): string {
    return this.store.key('pipelines', 'active');
  }

  activeIds(): Promise<string[]> {
    return this.store.setMembers(this.activeKey());
  }

  /** Every run not yet finished (queued, running, waiting), oldest first, from the active index. */
  async activeDocs(): Promise<RunDoc[]> {
    const ids = await this.activeIds();
    const docs = await this.store.getManyJson<RunDoc>(ids.map((id) => this.runKey(id)));
    return docs.filter((d): d is RunDoc => d !== null).sort((a, b) => a.createdAt - b.createdAt);
  }

  async markFinished(id: string): Promise<void> {
    await this.store.setRemove(this.activeKey(), id);
  }

  /** Idempotency of startRun: the first caller with a key gets true. */
  async claimRequest(requestKey: string, runId: string): Promise<string | null> {
    const key = this.store.key('pipelines', 'request', requestKey);
    if (await this.store.setJson(key, runId, { onlyIfAbsent: true, ttlMs: 86_400_000 })) return null;
    return this.store.getJson<string>(key);
  }

  /** Sequence for thread notes on a run (their outbox keys must differ). */
  nextNote(runId: string): Promise<number> {
    return this.store.incr(this.notesKey(runId));
  }

  async appendLog(runId: string, stageId: string, lines: string[]): Promise<void> {
    if (!lines.length) return;
    await this.store.listPush(this.logKey(runId, stageId), lines, LOG_MAX_LINES, this.retentionMs);
  }

  logKey(runId: string, stageId: string): string {
    return this.store.key('pipelines', 'log', runId, stageId);
  }

  notesKey(runId: string): string {
    return this.store.key('pipelines', 'notes', runId);
  }

  /** Every history index a run is listed in (all runs, its pipeline's, its service's), by creation time. */
  indexKeys(doc: Pick<RunDoc, 'pipeline' | 'service'>): string[] {
    return [
      this.allIndexKey(),
      this.store.key('pipelines', 'runs', 'pipeline', doc.pipeline),
      this.store.key('pipelines', 'runs', 'service', doc.service),
    ];
  }

  allIndexKey(): string {
    return this.store.key('pipelines', 'runs', 'all');
  }

  async log(runId: string, stageId: string, last = LOG_MAX_LINES): Promise<string[]> {
    return this.store.listRange(this.logKey(runId, stageId), -last, -1);
  }

  // ------------------------------------------------------------------ stage leases
  private leaseKey(runId: string, stageId: string): string {
    return this.store.key('pipelines', 'lease', runId, stageId);
  }

  /**
   * A worker owns a stage while its lease lives; it renews it, and a dead worker's lease expires.
   * The lease holds `{"owner":…}` (JSON, as every version wrote it): renew and release compare that text.
   */
  claimLease(runId: string, stageId: string, owner: string, ttlMs: number): Promise<boolean> {
    return this.store.setJson(this.leaseKey(runId, stageId), leaseValue(owner), { onlyIfAbsent: true, ttlMs });
  }

  /** Renews only a lease we still own; false means it was lost (expired, maybe taken by another worker). */
  renewLease(runId: string, stageId: string, owner: string, ttlMs: number): Promise<boolean> {
    return this.store.extend(this.leaseKey(runId, stageId), ttlMs, JSON.stringify(leaseValue(owner)));
  }

  async releaseLease(runId: string, stageId: string, owner: string): Promise<void> {
    await this.store.release(this.leaseKey(runId, stageId), JSON.stringify(leaseValue(owner)));
  }

  leaseHeld(runId: string, stageId: string): Promise<boolean> {
    return this.store.exists(this.leaseKey(runId, stageId));
  }
}
