import { z } from 'zod';
import type { AppContext } from '../../core/module.js';
import { defineJob } from '../../core/ports/jobs.js';
import { isTerminal, type RunDoc } from './model.js';
import type { RunRepo } from './repo.js';

/**
 * Retention: what Switchyard forgets, once a day. Finished runs older than RUN_RETENTION_DAYS go
 * (their document, their entries in every history index, their stage logs and note counter); audit
 * entries older than AUDIT_RETENTION_DAYS go. Incidents and plan items are records and are kept.
 *
 * A run is removed only when it is finished (succeeded, failed, cancelled), no longer in the active
 * set, and both created and finished before the cutoff: a run still queued, running or waiting at a
 * gate is kept however old it is, and nothing keyed by another run is touched. A finished run never
 * becomes unfinished again (a retry is a new run), so reading it once is enough to decide.
 */
export const RETENTION_JOB = defineJob('retention.trim', z.object({}));
/** One scheduler id for every worker: upsertJobScheduler keeps one, so the trim runs once a day. */
export const RETENTION_SCHEDULER = 'retention-daily';
/** 03:17 UTC: off the hour, when deploys are rare. */
export const RETENTION_CRON = '17 3 * * *';

const DAY_MS = 86_400_000;

export interface RetentionPolicy {
  runRetentionDays: number;
  auditRetentionDays: number;
  /** Runs read per page of the index (bounds memory and each round trip). */
  batch?: number;
}

export interface TrimResult {
  runs: number;
  /** Runs created before the cutoff but kept: not finished, or finished after the cutoff. */
  kept: number;
  audit: number;
}

export class Retention {
  constructor(
    private readonly ctx: Pick<AppContext, 'store' | 'audit' | 'clock' | 'log'>,
    private readonly repo: RunRepo,
    private readonly policy: RetentionPolicy,
  ) {}

  /** Idempotent: a second trim at the same time removes nothing; a trim cut short is finished by the next. */
  async trim(): Promise<TrimResult> {
    const now = this.ctx.clock.now();
    const { runs, kept } = await this.trimRuns(now - this.policy.runRetentionDays * DAY_MS);
    const audit = await this.ctx.audit.trimBefore(now - this.policy.auditRetentionDays * DAY_MS);
    const result = { runs, kept, audit };
    this.ctx.log.info(result, 'retention trim');
    return result;
  }

  /**
   * Walks the all-runs index from the oldest entry up to the cutoff (ZRANGE BYSCORE), a page at a
   * time. Kept runs stay at the head of the index, so each page asks for as many more entries as
   * were kept, and skips them.
   */
  private async trimRuns(cutoff: number): Promise<{ runs: number; kept: number }> {
    const batch = this.policy.batch ?? 500;
    const active = new Set(await this.repo.activeIds());
    const kept = new Set<string>();
    let runs = 0;
    for (;;) {
      const page = await this.ctx.store.zRange(this.repo.allIndexKey(), { max: cutoff - 1, limit: kept.size + batch });
      const fresh = page.filter((e) => !kept.has(e.member));
      if (!fresh.length) break;
      const docs = await this.ctx.store.getManyJson<RunDoc>(fresh.map((e) => this.repo.runKey(e.member)));
      for (const [i, e] of fresh.entries()) {
        const doc = docs[i] ?? null;
        if (doc && !this.expired(doc, cutoff, active)) {
          kept.add(e.member);
          continue;
        }
        await this.removeRun(e.member, doc);
        runs++;
      }
    }
    return { runs, kept: kept.size };
  }

  private expired(doc: RunDoc, cutoff: number, active: Set<string>): boolean {
    return isTerminal(doc) && !active.has(doc.id) && doc.createdAt < cutoff && (doc.finishedAt ?? doc.createdAt) < cutoff;
  }

  /**
   * The all-runs entry goes last: a trim stopped half-way finds the run again next time. A document
   * already gone (an index entry left behind) loses its all-runs entry; listings skip such entries.
   */
  private async removeRun(id: string, doc: RunDoc | null): Promise<void> {
    if (doc) {
      const extra = [...doc.stages.map((s) => this.repo.logKey(id, s.id)), this.repo.notesKey(id)];
      await this.ctx.store.del(...extra);
      for (const index of this.repo.indexKeys(doc).filter((k) => k !== this.repo.allIndexKey())) await this.ctx.store.zRemove(index, id);
      await this.ctx.store.del(this.repo.runKey(id));
    }
    await this.ctx.store.zRemove(this.repo.allIndexKey(), id);
  }
}
