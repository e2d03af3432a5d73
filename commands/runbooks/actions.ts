import { z } from 'zod';
import { compact, defineAction } from '../../src/core/edges.js';
import type { ActionHandler } from '../../src/core/module.js';
import type { ChatViews } from '../../src/core/ports/chat.js';
import { UsageError } from '../../src/core/errors.js';
import type { RunbookService } from '../../src/domain/runbooks/service.js';
import { RUNBOOK_POLICY } from './policy.js';
import { doneModal, skipModal } from './views.js';
import { START } from '../shared/runbook-start.js';

const runId = z.string().regex(/^RB-\d+$/);
const stepId = z.string().regex(/^[a-z][a-z0-9-]{0,39}$/);
const stepRef = compact({ run: runId, step: stepId });

export const DONE = defineAction({ id: 'runbook.done', value: stepRef });
export const SKIP = defineAction({ id: 'runbook.skip', value: stepRef });
export const RUN = defineAction({ id: 'runbook.run', value: stepRef });
/** The Run button of an offer on an incident (declared in commands/shared: the incident summary shows it too). */
export { START } from '../shared/runbook-start.js';

function needTrigger(triggerId: string | undefined): string {
  if (!triggerId) throw new UsageError('This button opens a form, which needs Slack to send a trigger; press it again.');
  return triggerId;
}

/** The buttons on a run message and on an offer; each press is checked against the run's runbook. */
export function runbookActions(svc: RunbookService, chat: Pick<ChatViews, 'openModal'>): ActionHandler[] {
  return [
    DONE.handler({
      permission: RUNBOOK_POLICY,
      async handle(ctx) {
        const { def } = await svc.pressable(ctx.value, ctx.actor, 'manual');
        await chat.openModal(needTrigger(ctx.triggerId), doneModal(ctx.value, def));
      },
    }),
    SKIP.handler({
      permission: RUNBOOK_POLICY,
      async handle(ctx) {
        const { def } = await svc.pressable(ctx.value, ctx.actor);
        await chat.openModal(needTrigger(ctx.triggerId), skipModal(ctx.value, def));
      },
    }),
    RUN.handler({
      permission: RUNBOOK_POLICY,
      async handle(ctx) {
        const run = await svc.confirm(ctx.value, ctx.actor);
        return { text: `Started step *${ctx.value.step}* of ${run.id}.` };
      },
    }),
    START.handler({
      permission: RUNBOOK_POLICY,
      async handle(ctx) {
        if (!ctx.channelId) throw new UsageError('Press Run on the offer in the incident channel.');
        const run = await svc.start({ name: ctx.value.name, actor: ctx.actor, channel: ctx.channelId, incident: ctx.value.incident });
        return { text: `Started runbook *${run.runbook}* as ${run.id}, attached to ${ctx.value.incident}.` };
      },
    }),
  ];
}
