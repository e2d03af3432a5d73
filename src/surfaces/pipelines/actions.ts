import { z } from 'zod';
import type { Actor } from '../../core/access.js';
import { policy, type Reply } from '../../core/commands/spec.js';
import { defineAction, text } from '../../core/edges.js';
import type { ActionHandler } from '../../core/module.js';
import type { PipelineEngine } from '../../domain/pipelines/service.js';

/** The run message's Cancel button (value: the run id); the press is checked and handled as `/pipeline cancel`. */
export const CANCEL = defineAction({ id: 'pipeline.cancel', value: text(z.string().regex(/^r\d+$/)) });

// Who may cancel depends on the run and its environment: the engine decides (rules.ts).
export const CANCEL_POLICY = policy('whoever started the run, or the role its environment names');

/** What `/pipeline cancel` and the Cancel button both answer. */
export async function cancelRun(engine: PipelineEngine, run: string, actor: Actor): Promise<Reply> {
  const d = await engine.cancel(run, actor);
  const running = d.stages.filter((s) => s.status === 'running').map((s) => s.id);
  const text =
    d.status === 'cancelled'
      ? `:no_entry_sign: Run *${d.id}* is cancelled.`
      : `:no_entry_sign: Cancelling run *${d.id}*: stopping ${running.join(', ') || 'its stages'}.` +
        ` The run message shows when it has stopped.`;
  return { text };
}

/**
 * The Cancel button on a run's message: the same checks and answer as `/pipeline cancel` (the edge pipeline decodes the run id
 * and audits the press).
 */
export function pipelineCancelButton(engine: PipelineEngine): ActionHandler {
  return CANCEL.handler({ permission: CANCEL_POLICY, handle: (a) => cancelRun(engine, a.value, a.actor) });
}
