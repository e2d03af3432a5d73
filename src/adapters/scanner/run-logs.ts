import type { PipelineService, RunInfo } from '../../domain/contracts.js';
import type { RunLogSource } from '../../domain/inspect/ports.js';

/**
 * The run's captured stage logs (already masked of injected secrets by the pipelines module),
 * through PipelineService.logs. Without the pipelines capability the leak check sees only the
 * rendered settings, and says so in its notes.
 */
const MAX_LINES = 5000;

export function pipelineRunLogs(pipelines: () => PipelineService | undefined): RunLogSource {
  return {
    async logs(run: RunInfo) {
      const svc = pipelines();
      if (!svc) return null;
      const out = [];
      for (const s of run.stages) {
        const lines = await svc.logs(run.id, s.id, MAX_LINES);
        if (lines.length) out.push({ location: `stage ${s.id} log`, lines });
      }
      return out;
    },
  };
}
