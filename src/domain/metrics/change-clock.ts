import type { PipelineService, PlanWriter, RunInfo } from '../contracts.js';
import type { ChangeClock } from './source.js';

/**
 * A run that ships plan items (`/pipeline run … --plan PLAN-7,PLAN-9`) started as a change when
 * the first of them moved to doing: that is where its lead time begins. Runs without plan items,
 * or whose items never moved to doing, keep the run's trigger time.
 */
export function planChangeClock(plan: () => PlanWriter | undefined): ChangeClock {
  return {
    async changeStart(run: RunInfo) {
      const ids = (run.params.plan ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      const writer = plan();
      if (!ids.length || !writer) return null;
      let earliest: number | undefined;
      for (const id of ids) {
        const item = await writer.get(id).catch(() => null);
        if (item?.startedAt !== undefined) earliest = Math.min(earliest ?? item.startedAt, item.startedAt);
      }
      return earliest === undefined ? null : { at: earliest, basis: 'plan' };
    },
  };
}

/** A CI backend that can tell when the commit a ref names was made (GitHub's commit API). */
export interface CommitTimes {
  commitTime(repo: string, ref: string): Promise<number | null>;
}

/**
 * The deployed commit's time, for a run whose pipeline has a `github-actions` stage (its
 * `with.repo` names the repository): asked once per repository and ref.
 */
export function commitChangeClock(pipelines: () => PipelineService | undefined, commits: CommitTimes): ChangeClock {
  const seen = new Map<string, Promise<number | null>>();
  return {
    async changeStart(run: RunInfo) {
      const def = pipelines()?.definition(run.pipeline);
      const repo = def?.stages.find((s) => s.kind === 'github-actions' && typeof s.with.repo === 'string')?.with.repo as string | undefined;
      if (!repo) return null;
      const key = `${repo}@${run.ref}`;
      if (!seen.has(key))
        seen.set(
          key,
          commits.commitTime(repo, run.ref).catch(() => null),
        );
      const at = await seen.get(key)!;
      return at === null ? null : { at, basis: 'commit' };
    },
  };
}

/** The first clock that knows wins: a plan item's start, then the commit's time. */
export function firstKnown(...clocks: ChangeClock[]): ChangeClock {
  return {
    async changeStart(run: RunInfo) {
      for (const c of clocks) {
        const start = await c.changeStart(run);
        if (start) return start;
      }
      return null;
    },
  };
}
