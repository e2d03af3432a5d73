import { policy } from '../../src/core/commands/spec.js';
import { compact, defineAction } from '../../src/core/edges.js';
import { InvalidStateError } from '../../src/core/errors.js';
import type { ActionHandler, AppContext } from '../../src/core/module.js';
import type { GateDecisions } from '../../src/domain/inspect/override.js';
import { overrideModal, runStage } from './views.js';

/** The buttons under a failed inspection (rendered by gateContent in render.ts). */
export const ACTION_OVERRIDE = 'inspect.override';
export const ACTION_FAIL = 'inspect.fail-run';

export const OVERRIDE = defineAction({ id: ACTION_OVERRIDE, value: compact(runStage) });
export const FAIL = defineAction({ id: ACTION_FAIL, value: compact(runStage) });

/** Override… opens the reason form (the decision is the form's); Fail run decides at once. */
export function overrideActions(ctx: Pick<AppContext, 'chat'>, decisions: GateDecisions): ActionHandler[] {
  return [
    OVERRIDE.handler({
      permission: policy('an eligible approver of the run (mayOverride)'),
      async handle(a) {
        const { runId, stageId } = a.value;
        const gate = await decisions.checkOverride(a.actor, runId, stageId);
        if (!a.triggerId) throw new InvalidStateError('Slack sent no trigger id, so the reason form cannot open; press the button again.');
        await ctx.chat.openModal(a.triggerId, overrideModal(runId, stageId, gate.summary));
      },
    }),
    FAIL.handler({
      permission: policy('whoever started the run, or an eligible approver of it'),
      async handle(a) {
        const { runId, stageId } = a.value;
        await decisions.failRun(a.actor, runId, stageId);
        return { text: `Run \`${runId}\` will be failed at \`${stageId}\`.` };
      },
    }),
  ];
}
