import type { PlanWriter, RunInfo } from '../contracts.js';
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
