import { z } from 'zod';
import { parseDuration } from '../../core/time.js';

/**
 * The shape of a runbook file (runbooks/<name>.yml). An automated step's `with:` settings are
 * checked separately against the schema of its stage kind (kinds come from several modules), as
 * pipelines do: see load.ts.
 */
const id = (what: string) =>
  z.string().regex(/^[a-z][a-z0-9-]{0,39}$/, `${what}: lowercase letters, digits and -, starting with a letter (max 40)`);
const duration = z
  .string()
  .refine((v) => parseDuration(v) !== null, 'a duration such as 90s, 10m or 2h')
  .transform((v) => parseDuration(v) as number);
const role = z.string().regex(/^[a-z][a-z0-9-]*$/, 'a role name from config/access.yml');
const group = z.string().regex(/^S[A-Z0-9]{2,}$/, 'a Slack user group id like S012ABCDEF');

/** What a step can end as; `when.result` names one or more of them. */
export const STEP_RESULTS = ['done', 'skipped', 'succeeded', 'failed'] as const;
export type StepResult = (typeof STEP_RESULTS)[number];

const conditionSchema = z
  .object({
    /** An earlier step's id. */
    step: id('step id'),
    /** Runs when that step ended as one of these. */
    result: z.union([z.enum(STEP_RESULTS), z.array(z.enum(STEP_RESULTS)).min(1)]).optional(),
    /** Runs when the value recorded on that step compares so (numbers for above/below). */
    value: z
      .object({
        equals: z.union([z.string(), z.number()]).transform(String).optional(),
        above: z.number().optional(),
        below: z.number().optional(),
      })
      .strict()
      .refine((v) => v.equals !== undefined || v.above !== undefined || v.below !== undefined, 'give equals, above or below')
      .optional(),
  })
  .strict()
  .refine((c) => c.result !== undefined || c.value !== undefined, 'give result or value (or both)');
export type Condition = z.infer<typeof conditionSchema>;

const stepSchema = z
  .object({
    id: id('step id'),
    title: z.string().min(1).max(150),
    /** Manual: what a person does, in mrkdwn (links to dashboards welcome). */
    instruction: z.string().min(1).max(2500).optional(),
    /** Manual: the value Done asks for ("error rate now"), recorded on the run. */
    ask: z
      .object({ label: z.string().min(1).max(60), number: z.boolean().default(false) })
      .strict()
      .optional(),
    /** Automated: a stage kind with the settings a pipeline stage of that kind takes. */
    run: z
      .object({ kind: z.string().min(1), with: z.record(z.string(), z.unknown()).default({}) })
      .strict()
      .optional(),
    /** Starts a pipeline run and waits for it (a rollback). */
    pipeline: z
      .object({
        name: z.string().min(1),
        env: z.string().optional(),
        ref: z.string().optional(),
        params: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]).transform(String)).default({}),
      })
      .strict()
      .optional(),
    /** A person presses Run (with a confirmation dialog) before the step starts. */
    confirm: z.boolean().default(false),
    when: conditionSchema.optional(),
    timeout: duration.optional(),
    /** A failed step ends the run unless this is set (a health check whose failure a later step handles). */
    continue_on_failure: z.boolean().default(false),
  })
  .strict()
  .superRefine((s, ctx) => {
    const kinds = [s.instruction !== undefined, s.run !== undefined, s.pipeline !== undefined].filter(Boolean).length;
    if (kinds !== 1)
      ctx.addIssue({ code: 'custom', message: 'a step has exactly one of instruction (manual), run (automated) or pipeline' });
    if (s.ask && s.instruction === undefined)
      ctx.addIssue({ code: 'custom', path: ['ask'], message: 'only a manual step asks for a value' });
  });
export type StepDef = z.infer<typeof stepSchema>;

export const runbookSchema = z
  .object({
    name: id('runbook name'),
    title: z.string().min(1).max(150),
    description: z.string().max(2000).optional(),
    services: z.array(id('service')).default([]),
    /** Alertmanager alert names this runbook answers. */
    alerts: z.array(z.string().min(1)).default([]),
    /** Words in an incident's title this runbook answers (case-insensitive). */
    keywords: z.array(z.string().min(1)).default([]),
    /** Who may run it and press its buttons: holders of any role, members of any group (admins always). */
    allow: z
      .object({ roles: z.array(role).default([]), groups: z.array(group).default([]) })
      .strict()
      .refine((a) => a.roles.length + a.groups.length > 0, 'name at least one role or user group'),
    /** Environment of automated and pipeline steps when `/runbook run` gives no --env. */
    default_env: z.string().optional(),
    steps: z.array(stepSchema).min(1).max(40),
  })
  .strict()
  .superRefine((rb, ctx) => {
    const seen = new Map<string, number>();
    rb.steps.forEach((s, i) => {
      if (seen.has(s.id)) ctx.addIssue({ code: 'custom', path: ['steps', i, 'id'], message: `step id ${s.id} is used twice` });
      const ref = s.when?.step;
      if (ref !== undefined && !seen.has(ref))
        ctx.addIssue({ code: 'custom', path: ['steps', i, 'when', 'step'], message: `${ref} is not an earlier step of this runbook` });
      if (s.when?.value && ref !== undefined && seen.has(ref) && !rb.steps[seen.get(ref)!]!.ask)
        ctx.addIssue({ code: 'custom', path: ['steps', i, 'when', 'value'], message: `step ${ref} asks for no value` });
      seen.set(s.id, i);
    });
  });
export type RunbookDef = z.infer<typeof runbookSchema>;

/** A loaded runbook: its definition, where it came from and the hash of the file's bytes. */
export interface LoadedRunbook {
  def: RunbookDef;
  file: string;
  /** sha256 of the file content, hex. */
  hash: string;
}

export type StepKind = 'manual' | 'automated' | 'pipeline';

export function stepKind(s: StepDef): StepKind {
  return s.instruction !== undefined ? 'manual' : s.run ? 'automated' : 'pipeline';
}
