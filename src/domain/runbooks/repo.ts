import { ABORT, type Store } from '../../core/ports/store.js';
import type { RunbookRun } from './model.js';

/** Runbook runs in Redis: one JSON document per run, an index by time and one by pipeline run. */
export class RunbookRunRepo {
  constructor(private readonly store: Store) {}

  private runKey(id: string): string {
    return this.store.key('runbook-run', id);
  }

  async nextId(): Promise<string> {
    return `RB-${await this.store.incr(this.store.key('runbook-run-seq'))}`;
  }

  async create(run: RunbookRun): Promise<void> {
    await this.store.setJson(this.runKey(run.id), run, { onlyIfAbsent: true });
    await this.store.zAdd(this.store.key('runbook-runs'), run.createdAt, run.id);
  }

  get(id: string): Promise<RunbookRun | null> {
    return this.store.getJson<RunbookRun>(this.runKey(id));
  }

  /** Atomic read-modify-write; `fn` returns null to leave the run as it is (then null is returned). */
  async update(id: string, fn: (run: RunbookRun) => RunbookRun | null): Promise<RunbookRun | null> {
    let changed = false;
    const after = await this.store.update<RunbookRun>(this.runKey(id), (cur) => {
      changed = false;
      if (!cur) return ABORT;
      const next = fn(cur);
      if (!next) return ABORT;
      changed = true;
      return next;
    });
    return changed ? after : null;
  }

  async recent(limit = 20): Promise<RunbookRun[]> {
    const ids = await this.store.zRange(this.store.key('runbook-runs'), { rev: true, limit });
    const docs = await this.store.getManyJson<RunbookRun>(ids.map((x) => this.runKey(x.member)));
    return docs.filter((d): d is RunbookRun => d !== null);
  }

  /** Which runbook step waits on a pipeline run. */
  async linkPipeline(pipelineRunId: string, link: { runId: string; stepId: string; gen: number }): Promise<void> {
    await this.store.setJson(this.store.key('runbook-pipeline', pipelineRunId), link);
  }

  pipelineLink(pipelineRunId: string): Promise<{ runId: string; stepId: string; gen: number } | null> {
    return this.store.getJson(this.store.key('runbook-pipeline', pipelineRunId));
  }
}
