import type { Store } from '../../core/ports/store.js';
import type { RunInfo } from '../../domain/contracts.js';
import type { RunLogSource } from '../../domain/inspect/ports.js';

/**
 * The run's captured stage logs. PipelineService has no log accessor yet, so this reads the
 * pipelines module's log lists (`pipeline:log:<run>:<stage>`, written by its RunRepo) directly;
 * when the contract gains `stageLog(runId, stageId)` this becomes a call to it.
 */
const MAX_LINES = 5000;

export function storedRunLogs(store: Store, pipelines: () => { stageLog?: (runId: string, stageId: string) => Promise<string[]> } | undefined): RunLogSource {
  return {
    async logs(run: RunInfo) {
      const svc = pipelines();
      const out = [];
      for (const s of run.stages) {
        const lines = svc?.stageLog ? await svc.stageLog(run.id, s.id) : await store.listRange(store.key('pipeline', 'log', run.id, s.id), -MAX_LINES, -1);
        if (lines.length) out.push({ location: `stage ${s.id} log`, lines });
      }
      return out;
    },
  };
}
