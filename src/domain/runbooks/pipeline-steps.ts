import type { Actor } from '../../core/access.js';
import { isSwitchyardError } from '../../core/errors.js';
import { servicesOf } from '../services.js';
import type { PipelineStarter, RunbookCtx, RunbookService } from './service.js';
import type { RunbookRun, StepState } from './model.js';
import type { RunbookRunRepo } from './repo.js';
import type { StepDef } from './schema.js';

const TERMINAL = ['succeeded', 'failed', 'cancelled'];

/**
 * A step that starts a pipeline run (through the `pipelines` service, so the pipeline's own roles,
 * guards and approvals apply to whoever started the step) and waits for it: `pipeline.run.finished`
 * settles the step, in whichever process receives it, after a restart too.
 */
export class PipelineSteps implements PipelineStarter {
  constructor(
    private readonly ctx: Pick<RunbookCtx, 'services'>,
    private readonly repo: RunbookRunRepo,
    private readonly svc: RunbookService,
  ) {}

  /**
   * `pressed`: a person pressed Run. If the pipeline refuses them (its own roles), the step waits
   * for someone else's press and the refusal is their answer; a step that started on its own fails.
   */
  async start(run: RunbookRun, def: StepDef, state: StepState, actor: Actor, pressed: boolean): Promise<void> {
    const p = def.pipeline!;
    const env = p.env ?? run.env;
    const fail = (summary: string) => this.svc.finishStep(run.id, def.id, state.gen, { status: 'failed', summary });
    if (!env) return fail(`pipeline ${p.name} needs an environment: start the runbook with --env`);
    let started;
    try {
      started = await servicesOf(this.ctx)
        .get('pipelines')
        .startRun({
          pipeline: p.name,
          env,
          ...(p.ref ? { ref: p.ref } : {}),
          params: p.params,
          actor,
          channel: run.channel,
          requestKey: `${run.id}-${def.id}-${state.gen}`,
        });
    } catch (err) {
      if (pressed && isSwitchyardError(err) && err.code === 'forbidden') {
        await this.svc.reopen(run.id, def.id, state.gen);
        throw err;
      }
      const why = isSwitchyardError(err) || err instanceof Error ? err.message : String(err);
      return fail(`pipeline ${p.name} did not start: ${why}`.slice(0, 300));
    }
    await this.repo.linkPipeline(started.id, { runId: run.id, stepId: def.id, gen: state.gen });
    await this.svc.patchRunning(run.id, def.id, state.gen, {
      pipelineRunId: started.id,
      summary: `pipeline run ${started.id} ${started.status}`,
    });
    // It may have finished before the link was written: its event found no step to settle.
    const now = await servicesOf(this.ctx).get('pipelines').getRun(started.id);
    if (now && TERMINAL.includes(now.status)) await this.finished(started.id, now.status);
  }

  /** `pipeline.run.finished`: settles the step waiting on that run, if any (idempotent). */
  async finished(pipelineRunId: string, status: string): Promise<void> {
    const link = await this.repo.pipelineLink(pipelineRunId);
    if (!link) return;
    await this.svc.finishStep(link.runId, link.stepId, link.gen, {
      status: status === 'succeeded' ? 'succeeded' : 'failed',
      summary: `pipeline run ${pipelineRunId} ${status}`,
      pipelineRunId,
    });
  }
}
