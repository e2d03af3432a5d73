import { z } from 'zod';
import { md } from '../../src/core/blocks.js';
import { policy } from '../../src/core/commands/spec.js';
import { defineView, formText, json } from '../../src/core/edges.js';
import type { ViewHandler } from '../../src/core/module.js';
import type { GateDecisions } from '../../src/domain/inspect/override.js';

/** Override… and Fail run carry `r42|scan` (run and stage); the override form carries them as JSON. */
export const runStage = { runId: z.string().regex(/^r\d+$/), stageId: z.string().min(1).max(100) };

export const VIEW_OVERRIDE = 'inspect.override';
export const MIN_REASON = 10;

export const OVERRIDE_FORM = defineView({
  id: VIEW_OVERRIDE,
  metadata: json(z.object(runStage)),
  values: z.object({
    reason: formText.refine((s) => s.length >= MIN_REASON, `Say why it is safe to continue (at least ${MIN_REASON} characters).`),
  }),
});

export function overrideModal(runId: string, stageId: string, summary: string) {
  return OVERRIDE_FORM.modal({
    title: 'Override inspection',
    submit: 'Override',
    close: 'Cancel',
    metadata: { runId, stageId },
    blocks: [
      md(`Run \`${runId}\`, stage \`${stageId}\` failed:\n${summary}`.slice(0, 2900)),
      {
        type: 'input',
        block_id: 'reason',
        label: { type: 'plain_text', text: 'Why is it safe to continue?' },
        element: { type: 'plain_text_input', action_id: 'reason', multiline: true, min_length: 10, max_length: 500 },
      },
    ],
  });
}

/** The reason form's submission: the override itself (audited with the reason by GateDecisions). */
export function overrideViews(decisions: GateDecisions): ViewHandler[] {
  return [
    OVERRIDE_FORM.handler({
      permission: policy('an eligible approver of the run (mayOverride)'),
      async handle(v) {
        await decisions.override(v.actor, v.metadata.runId, v.metadata.stageId, v.values.reason);
      },
    }),
  ];
}
