import { z } from 'zod';
import type { Actor } from '../../src/core/access.js';
import { policy, type Reply } from '../../src/core/commands/spec.js';
import { escapeMrkdwn } from '../../src/core/blocks.js';
import { compact, defineAction, text } from '../../src/core/edges.js';
import type { ActionHandler } from '../../src/core/module.js';
import { rollBackLive } from '../../src/domain/pipelines/live.js';
import type { PipelineEngine } from '../../src/domain/pipelines/service.js';

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

const runIdValue = z.string().regex(/^r\d+$/);

/**
 * The Roll back button of `/pipeline live` (value: the live run and the good deploy before it).
 * A new action id rather than the incidents' one: its value names both runs, so the confirm dialog
 * and the run it starts deploy exactly what was shown.
 */
export const ROLLBACK_LIVE = defineAction({ id: 'pipeline.live_rollback', value: compact({ live: runIdValue, to: runIdValue }) });

export function pipelineRollbackButton(engine: PipelineEngine): ActionHandler<{ live: string; to: string }> {
  return ROLLBACK_LIVE.handler({
    // A rollback is a run: the engine checks the pipeline's allow list and the environment's role.
    permission: policy('the role the environment names (a rollback is a run of its pipeline)'),
    async handle(ctx) {
      const { run, live, target } = await rollBackLive(engine, {
        liveRunId: ctx.value.live,
        targetRunId: ctx.value.to,
        actor: ctx.actor,
        ...(ctx.channelId ? { channel: ctx.channelId } : {}),
        ...(ctx.triggerId ? { requestKey: ctx.triggerId } : {}),
      });
      return {
        text:
          `:rewind: Run *${run.id}* rolls ${live.service}/${live.env} back from ${live.id} (\`${escapeMrkdwn(live.ref)}\`) ` +
          `to \`${escapeMrkdwn(target.ref)}\` (as deployed by ${target.id}).`,
      };
    },
  });
}
