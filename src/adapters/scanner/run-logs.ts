import type { RunInfo } from '../../domain/contracts.js';
import type { RunLogSource } from '../../domain/inspect/ports.js';

/**
 * The run's captured stage logs (already masked of injected secrets by the pipelines module).
 * PipelineService has no log accessor in the contract yet; the pipelines engine offers
 * `logs(runId, stageId, lines)`, which is used when present. Without it the leak check sees only
 * the rendered settings, and says so in its notes.
 */
const MAX_LINES = 5000;

type StageLogs = (runId: string, stageId: string, lines: number) => Promise<string[]>;

export function pipelineRunLogs(pipelines: () => object | undefined): RunLogSource {
  return {
    async logs(run: RunInfo) {
      const svc = pipelines() as { logs?: StageLogs } | undefined;
      if (typeof svc?.logs !== 'function') return null;
      const read = svc.logs.bind(svc);
      const out = [];
      for (const s of run.stages) {
        const lines = await read(run.id, s.id, MAX_LINES);
        if (lines.length) out.push({ location: `stage ${s.id} log`, lines });
      }
      return out;
    },
  };
}
