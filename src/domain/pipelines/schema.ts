import { z } from 'zod';
import { parseDuration } from '../../core/time.js';
import { refPatternProblem, refProblem } from './refs.js';

/**
 * The shape of a pipeline file (workflows/<name>.yml). Stage `with:` settings are checked
 * separately against the schema of the stage's kind (kinds come from several modules), see load.ts.
 */
const id = (what: string) =>
  z.string().regex(/^[a-z][a-z0-9-]{0,39}$/, `${what}: lowercase letters, digits and -, starting with a letter (max 40)`);
const duration = z
  .string()
  .refine((v) => parseDuration(v) !== null, 'a duration such as 90s, 10m or 2h')
  .transform((v) => parseDuration(v) as number);
const userId = z.string().regex(/^[UW][A-Z0-9]{2,}$/, 'a Slack user id like U012ABCDEF');
const role = z.string().regex(/^[a-z][a-z0-9-]*$/, 'a role name from config/access.yml');

const paramSchema = z
  .object({
    type: z.enum(['string', 'number', 'boolean']).default('string'),
    description: z.string().optional(),
    default: z.union([z.string(), z.number(), z.boolean()]).transform(String).optional(),
    allowed: z
      .array(z.union([z.string(), z.number()]).transform(String))
      .min(1)
      .optional(),
    required: z.boolean().default(false),
    /** This param names the build (an image tag, a version): promotion carries it and soak compares it. */
    artifact: z.boolean().optional(),
  })
  .strict();

const refPattern = z.string().superRefine((p, ctx) => {
  const problem = refPatternProblem(p);
  if (problem) ctx.addIssue({ code: 'custom', message: `not a usable ref pattern: ${problem}` });
});

const environmentSchema = z
  .object({
    /** Role needed to target this environment (on top of the pipeline's allow list). */
    role: role.optional(),
    description: z.string().optional(),
    /** Refs that may deploy here: branch or tag names and globs (`main`, `release/*`, `v*`); any ref when left out. */
    refs: z.array(refPattern).min(1).optional(),
    /** The same build must have run successfully in `in` at least `for` ago (production after staging). */
    soak: z
      .object({ in: id('environment'), for: duration })
      .strict()
      .optional(),
  })
  .strict();

const stageSchema = z
  .object({
    id: id('stage id'),
    kind: z.string().min(1),
    name: z.string().optional(),
    needs: z.array(z.string()).default([]),
    /** Run this stage only when the run targets one of these environments (skipped otherwise). */
    environments: z.array(z.string()).optional(),
    timeout: duration.optional(),
    /** Overrides the kind's attempts (1 = never retried). */
    attempts: z.number().int().min(1).max(10).optional(),
    /** A build stage: a promotion (`/pipeline promote`) skips it, deploying what the promoted run built. */
    build: z.boolean().optional(),
    with: z.record(z.string(), z.unknown()).default({}),
  })
  .strict();

export const workflowSchema = z
  .object({
    name: id('pipeline name'),
    description: z.string().optional(),
    service: id('service'),
    team_channel: z.string().regex(/^[CG][A-Z0-9]{2,}$/, 'a Slack channel id like C012ABCDEF'),
    default_ref: z
      .string()
      .superRefine((r, ctx) => {
        const problem = refProblem(r);
        if (problem) ctx.addIssue({ code: 'custom', message: `not a usable git ref: ${problem}` });
      })
      .default('main'),
    allow: z
      .object({ roles: z.array(role).default(['deployer']), users: z.array(userId).default([]) })
      .strict()
      .default({ roles: ['deployer'], users: [] }),
    environments: z.record(
      id('environment'),
      environmentSchema.nullable().transform((e) => e ?? {}),
    ),
    params: z.record(z.string().regex(/^[a-z][a-z0-9_]*$/, 'param names: lowercase letters, digits and _'), paramSchema).default({}),
    stages: z.array(stageSchema).min(1),
  })
  .strict()
  .superRefine((w, ctx) => {
    if (Object.keys(w.environments).length === 0)
      ctx.addIssue({ code: 'custom', path: ['environments'], message: 'name at least one environment' });
    const ids = new Set<string>();
    w.stages.forEach((s, i) => {
      if (ids.has(s.id)) ctx.addIssue({ code: 'custom', path: ['stages', i, 'id'], message: `stage id ${s.id} is used twice` });
      ids.add(s.id);
    });
    w.stages.forEach((s, i) => {
      s.needs.forEach((n, j) => {
        if (!ids.has(n))
          ctx.addIssue({ code: 'custom', path: ['stages', i, 'needs', j], message: `unknown stage ${n} (stages: ${[...ids].join(', ')})` });
        if (n === s.id) ctx.addIssue({ code: 'custom', path: ['stages', i, 'needs', j], message: 'a stage cannot need itself' });
      });
      (s.environments ?? []).forEach((e, j) => {
        if (!(e in w.environments))
          ctx.addIssue({
            code: 'custom',
            path: ['stages', i, 'environments', j],
            message: `unknown environment ${e} (environments: ${Object.keys(w.environments).join(', ')})`,
          });
      });
    });
    for (const [name, e] of Object.entries(w.environments)) {
      if (!e.soak) continue;
      const path = ['environments', name, 'soak', 'in'];
      if (e.soak.in === name) ctx.addIssue({ code: 'custom', path, message: 'an environment cannot soak in itself' });
      else if (!(e.soak.in in w.environments))
        ctx.addIssue({
          code: 'custom',
          path,
          message: `unknown environment ${e.soak.in} (environments: ${Object.keys(w.environments).join(', ')})`,
        });
    }
    const cycle = findCycle(w.stages);
    if (cycle) ctx.addIssue({ code: 'custom', path: ['stages'], message: `stages depend on each other in a cycle: ${cycle.join(' -> ')}` });
    for (const [name, p] of Object.entries(w.params)) {
      if (p.default !== undefined && p.allowed && !p.allowed.includes(p.default)) {
        ctx.addIssue({
          code: 'custom',
          path: ['params', name, 'default'],
          message: `default ${p.default} is not one of the allowed values (${p.allowed.join(', ')})`,
        });
      }
      // A default is checked as strictly as a typed value: the run would otherwise carry it unchecked.
      if (p.default !== undefined && p.type === 'number' && !/^-?\d+(\.\d+)?$/.test(p.default))
        ctx.addIssue({ code: 'custom', path: ['params', name, 'default'], message: `default ${p.default} is not a number` });
      if (p.default !== undefined && p.type === 'boolean' && !['true', 'false'].includes(p.default))
        ctx.addIssue({ code: 'custom', path: ['params', name, 'default'], message: `default ${p.default} is not true or false` });
    }
  });

export type WorkflowFile = z.infer<typeof workflowSchema>;
export type StageDef = WorkflowFile['stages'][number];
export type ParamDef = WorkflowFile['params'][string];

/** A loaded pipeline: the parsed file plus where it came from. */
export interface PipelineDef extends WorkflowFile {
  file: string;
}

function findCycle(stages: Array<{ id: string; needs: string[] }>): string[] | null {
  const needs = new Map(stages.map((s) => [s.id, s.needs]));
  const state = new Map<string, 'visiting' | 'done'>();
  const path: string[] = [];
  const visit = (idv: string): string[] | null => {
    if (state.get(idv) === 'done') return null;
    if (state.get(idv) === 'visiting') return [...path.slice(path.indexOf(idv)), idv];
    state.set(idv, 'visiting');
    path.push(idv);
    for (const n of needs.get(idv) ?? []) {
      const c = visit(n);
      if (c) return c;
    }
    path.pop();
    state.set(idv, 'done');
    return null;
  };
  for (const s of stages) {
    const c = visit(s.id);
    if (c) return c;
  }
  return null;
}
