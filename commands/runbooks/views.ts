import { z } from 'zod';
import type { Block } from '../../src/core/blocks.js';
import { defineView, formText, json } from '../../src/core/edges.js';
import type { ViewHandler } from '../../src/core/module.js';
import type { ModalView } from '../../src/core/ports/chat.js';
import type { StepDef } from '../../src/domain/runbooks/schema.js';
import type { RunbookService } from '../../src/domain/runbooks/service.js';
import { RUNBOOK_POLICY } from './policy.js';

const stepRef = z.object({ run: z.string().regex(/^RB-\d+$/), step: z.string().regex(/^[a-z][a-z0-9-]{0,39}$/) });

/** Done on a manual step: an optional note, and the value the step asks for (checked in the handler). */
export const DONE_FORM = defineView({ id: 'runbook.done', metadata: json(stepRef), values: z.object({ note: formText, value: formText }) });
export const SKIP_FORM = defineView({
  id: 'runbook.skip',
  metadata: json(stepRef),
  values: z.object({ reason: formText.refine((s) => s.length > 0, 'Say why this step is skipped.') }),
});

const plain = (text: string) => ({ type: 'plain_text', text });
function input(blockId: string, label: string, opts: { optional?: boolean; multiline?: boolean; max?: number } = {}): Block {
  return {
    type: 'input',
    block_id: blockId,
    label: plain(label),
    optional: opts.optional ?? false,
    element: { action_id: blockId, type: 'plain_text_input', multiline: opts.multiline ?? false, max_length: opts.max ?? 1000 },
  };
}

export function doneModal(ref: { run: string; step: string }, def: StepDef): ModalView {
  return DONE_FORM.modal({
    title: 'Step done',
    submit: 'Done',
    metadata: ref,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: `*${ref.run}* · step *${def.id}*` } },
      ...(def.ask ? [input('value', def.ask.label, { max: 200 })] : []),
      input('note', 'Note (optional)', { optional: true, multiline: true }),
    ],
  });
}

export function skipModal(ref: { run: string; step: string }, def: StepDef): ModalView {
  return SKIP_FORM.modal({
    title: 'Skip step',
    submit: 'Skip',
    metadata: ref,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: `*${ref.run}* · skipping step *${def.id}*` } },
      input('reason', 'Why is it skipped?', { multiline: true, max: 500 }),
    ],
  });
}

export function runbookViews(svc: RunbookService): ViewHandler[] {
  return [
    DONE_FORM.handler({
      permission: RUNBOOK_POLICY,
      async handle(ctx) {
        const { def } = await svc.pressable(ctx.metadata, ctx.actor, 'manual');
        const value = ctx.values.value;
        if (def.ask && !value) return { errors: { value: `Give ${def.ask.label}.` } };
        if (def.ask?.number && !Number.isFinite(Number(value))) return { errors: { value: 'A number, e.g. 4.2.' } };
        await svc.done(ctx.metadata, ctx.actor, { ...(ctx.values.note ? { note: ctx.values.note } : {}), ...(value ? { value } : {}) });
      },
    }),
    SKIP_FORM.handler({
      permission: RUNBOOK_POLICY,
      async handle(ctx) {
        await svc.skip(ctx.metadata, ctx.actor, ctx.values.reason);
      },
    }),
  ];
}
