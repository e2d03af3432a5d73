import { jobProcessor, type JobProcessor } from '../../core/ports/jobs.js';
import type { Store } from '../../core/ports/store.js';
import type { StageKind } from '../contracts.js';
import type { Services } from '../services.js';
import { runAutomatedStep } from './execute.js';
import type { RunbookRunRepo } from './repo.js';
import type { RunbookService } from './service.js';
import { STEP_JOB } from './step-job.js';

export { STEP_JOB } from './step-job.js';

/** How long the claim on a started step is kept: longer than any step may run. */
const CLAIM_MS = 7 * 86_400_000;

export interface StepJobDeps {
  store: Store;
  services: Services;
  repo: RunbookRunRepo;
  svc: RunbookService;
  kinds: () => Map<string, StageKind>;
  rememberSecrets(values: Iterable<string>): void;
}

/**
 * Runs an automated step. The first delivery claims it; a later delivery of the same job (the
 * worker died while the step ran) finds the claim and fails the step as interrupted instead of
 * running a command twice: a step is not known to be safe to repeat.
 */
export function stepJobProcessor(d: StepJobDeps): JobProcessor {
  return jobProcessor(STEP_JOB, {
    attempts: 3,
    backoffMs: 500,
    concurrency: 5,
    async process({ runId, stepId, gen }) {
      const run = await d.repo.get(runId);
      const state = run?.steps.find((s) => s.id === stepId);
      const def = run?.def.steps.find((s) => s.id === stepId);
      if (!run || !state || !def?.run || state.gen !== gen || state.status !== 'running') return 'stale';
      if (!(await d.store.claim(d.store.key('runbook-step-claim', runId, stepId, String(gen)), CLAIM_MS))) {
        await d.svc.finishStep(runId, stepId, gen, { status: 'failed', summary: 'interrupted: the bot stopped while this step ran' });
        return 'interrupted';
      }
      const kind = d.kinds().get(def.run.kind);
      const result = kind
        ? await runAutomatedStep(
            {
              services: d.services,
              rememberSecrets: d.rememberSecrets,
              saveCheckpoint: async (checkpoint) => void (await d.svc.patchRunning(runId, stepId, gen, { checkpoint })),
            },
            kind,
            run,
            def,
            state,
          )
        : { status: 'failed' as const, summary: `stage kind ${def.run.kind} is not available in this deployment`, log: [] };
      await d.svc.finishStep(runId, stepId, gen, result);
      return result.status;
    },
  });
}
