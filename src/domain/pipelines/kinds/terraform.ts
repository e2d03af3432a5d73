import { z } from 'zod';
import { ConfigError } from '../../../core/errors.js';
import { formatDuration } from '../../../core/time.js';
import type { RunInfo, StageContext, StageKind, StageOutcomeDone } from '../../contracts.js';
import type { ShellResult } from '../ports.js';
import { builtin, permanentIfRefused } from './common.js';
import { parseTerraformPlan, planLine } from './terraform-plan.js';
import type { TerraformLocks } from './terraform-lock.js';
import type { TerraformTool } from './terraform-tool.js';

const scalar = z.union([z.string(), z.number(), z.boolean()]).transform(String);
/** A path under the working root: no `..`, no leading `/`, no `${{ }}` (paths never come from typed text). */
const relPath = z
  .string()
  .regex(/^[A-Za-z0-9_][A-Za-z0-9_./-]*$/, 'a relative path (letters, digits, _ . / -)')
  .refine((p) => !p.split('/').includes('..'), 'a path without ..');
const varName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'a Terraform variable name');
const inputs = {
  /** Passed as TF_VAR_<name> environment variables only: `db_password: ${{ inject.db_password }}`. */
  vars: z.record(varName, scalar).default({}),
  /** -var-file paths relative to the working directory. */
  var_files: z.array(relPath.refine((p) => /\.tfvars(\.json)?$/.test(p), 'a .tfvars or .tfvars.json file')).default([]),
};

export const terraformSettings = z
  .object({
    /** The working directory, relative to TERRAFORM_ROOT. */
    dir: relPath,
    ...inputs,
    /** Per-environment variables and var files, on top of the common ones. */
    environments: z.record(z.string(), z.object(inputs).strict()).default({}),
    /** false: init + plan -out (the plan is saved and summarised). true: apply the plan an earlier stage saved. */
    apply: z.boolean().default(false),
    /** Apply only: the stage whose plan to apply; default the run's latest plan of the same directory. */
    plan_stage: z.string().optional(),
  })
  .strict();
type TfSettings = z.infer<typeof terraformSettings>;

/** What a plan stage records in its details (public: no variable values, no digest of them). */
const planRecord = z.object({ dir: z.string(), env: z.string(), planFile: z.string(), planSha256: z.string() });

function effectiveInputs(s: TfSettings, env: string): { vars: Record<string, string>; varFiles: string[] } {
  const e = s.environments[env];
  return { vars: { ...s.vars, ...(e?.vars ?? {}) }, varFiles: [...s.var_files, ...(e?.var_files ?? [])] };
}

function failed(summary: string, details?: Record<string, unknown>): StageOutcomeDone {
  return { status: 'failed', summary, ...(details ? { details } : {}) };
}

function describe(what: string, r: ShellResult, timeoutMs: number): string {
  if (r.timedOut) return `terraform ${what} timed out after ${formatDuration(timeoutMs)}`;
  return `terraform ${what} ${r.exitCode === null ? `killed by ${r.signal ?? 'a signal'}` : `exit code ${r.exitCode}`}`;
}

/** The plan stage an apply stage applies: named, or the latest succeeded plan of the same directory. */
function planOf(run: RunInfo, s: TfSettings, selfId: string) {
  const candidates = run.stages.filter((st) => st.id !== selfId && st.status === 'succeeded' && st.kind === 'terraform');
  const chosen = s.plan_stage
    ? candidates.find((st) => st.id === s.plan_stage)
    : candidates.reverse().find((st) => planRecord.safeParse(st.details?.terraform).data?.dir === s.dir);
  return chosen ? planRecord.safeParse(chosen.details?.terraform).data : undefined;
}

/**
 * `terraform`: plans in one stage and applies that saved plan in a later one (after an approval
 * gate), like Atlantis. Variables reach terraform only as TF_VAR_* environment variables; the
 * plan's summary (by address, destroys first) is kept in the stage details for the gate to show.
 */
export function terraformKind(tool: TerraformTool | undefined, locks: TerraformLocks): StageKind {
  const need = (): TerraformTool => {
    if (!tool) throw permanentIfRefused(new ConfigError('terraform stages are not configured in this deployment (TERRAFORM_BIN)'));
    return tool;
  };
  return {
    kind: 'terraform',
    settings: terraformSettings,
    attempts: 1,
    async run(ctx) {
      const t = need();
      const s = terraformSettings.parse(ctx.settings);
      return s.apply ? applyPlan(ctx, t, locks, s) : plan(ctx, t, locks, s);
    },
  };
}

async function plan(ctx: StageContext, t: TerraformTool, locks: TerraformLocks, s: TfSettings): Promise<StageOutcomeDone> {
  const b = builtin(ctx);
  const deadline = Date.now() + b.timeoutMs;
  const env = ctx.run.env;
  const cwd = (() => {
    try {
      return t.workdir(s.dir);
    } catch (err) {
      throw permanentIfRefused(err);
    }
  })();
  const lock = await locks.acquire(s.dir, env, ctx.run.id);
  if (!lock.ok) return failed(`${s.dir} (${env}) is locked by run ${lock.holder} until its plan is applied or the run ends`);
  const { vars, varFiles } = effectiveInputs(s, env);
  const tfEnv = { TF_IN_AUTOMATION: '1', TF_INPUT: '0', ...Object.fromEntries(Object.entries(vars).map(([k, v]) => [`TF_VAR_${k}`, v])) };
  const stage = { runId: ctx.run.id, stageId: ctx.stage.id };
  const pending: Array<Promise<void>> = [];
  const toLog = (line: string) => void pending.push(ctx.log(line));
  const exec = async (what: string, args: Array<string | { value: string }>, onLine: (l: string) => void = toLog) => {
    const timeoutMs = Math.max(1, deadline - Date.now());
    const r = await t.run({ cwd, args: [what, ...args], env: tfEnv, timeoutMs, signal: ctx.signal, onLine, stage });
    await Promise.all(pending);
    return { ok: r.exitCode === 0 && !r.timedOut, why: describe(what, r, b.timeoutMs) };
  };
  const planFile = t.planPath(ctx.run.id, ctx.stage.id);
  const outcome = await (async (): Promise<StageOutcomeDone> => {
    const digest = await t.inputsDigest(cwd, varFiles, vars);
    const init = await exec('init', ['-input=false', '-no-color']);
    if (!init.ok) return failed(init.why);
    const varFileArgs = varFiles.map((f) => ({ value: `-var-file=${f}` }));
    const p = await exec('plan', ['-input=false', '-no-color', { value: `-out=${planFile}` }, ...varFileArgs]);
    if (!p.ok) return failed(p.why);
    // The document is read, never logged: it holds every variable's value.
    let json = '';
    const show = await exec('show', ['-json', { value: planFile }], (l) => void (json += l));
    if (!show.ok) return failed(show.why);
    const summary = parseTerraformPlan(json, `${s.dir} (${env})`);
    const planSha256 = await t.fileDigest(planFile);
    if (!planSha256) return failed(`terraform plan wrote no plan file`);
    await t.writeSidecar(planFile, digest);
    await ctx.log(`plan saved: ${planLine(summary)}; ${s.dir} (${env}) stays locked to this run until it is applied`);
    return {
      status: 'succeeded',
      summary: `plan: ${planLine(summary)}`,
      details: { terraform: { dir: s.dir, env, planFile, planSha256 }, planSummary: summary },
    };
  })().catch(async (err: unknown) => {
    await locks.release(s.dir, env, ctx.run.id);
    throw permanentIfRefused(err);
  });
  if (outcome.status === 'failed') await locks.release(s.dir, env, ctx.run.id);
  return outcome;
}

async function applyPlan(ctx: StageContext, t: TerraformTool, locks: TerraformLocks, s: TfSettings): Promise<StageOutcomeDone> {
  const b = builtin(ctx);
  const env = ctx.run.env;
  const saved = planOf(ctx.run, s, ctx.stage.id);
  if (!saved) return failed(`no saved plan of ${s.dir} in this run${s.plan_stage ? ` (stage ${s.plan_stage})` : ''}: nothing to apply`);
  if (saved.dir !== s.dir || saved.env !== env) return failed(`the plan of stage ${s.plan_stage ?? ''} is for ${saved.dir} (${saved.env})`);
  if (!(await locks.holds(s.dir, env, ctx.run.id))) return failed(`${s.dir} (${env}) is no longer locked to this run: plan again`);
  const cwd = t.workdir(s.dir);
  const { vars, varFiles } = effectiveInputs(s, env);
  if ((await t.fileDigest(saved.planFile)) !== saved.planSha256)
    return failed('the saved plan file is missing or changed on this worker: refusing to apply; plan again');
  const planned = await t.readSidecar(saved.planFile);
  if (!planned || planned !== (await t.inputsDigest(cwd, varFiles, vars))) {
    await ctx.log('the *.tf / *.tfvars files or the variables changed since the plan was made: refusing a stale plan');
    return failed('stale plan: its inputs changed since it was made; run the pipeline again to plan anew');
  }
  const pending: Array<Promise<void>> = [];
  const r = await t.run({
    cwd,
    args: ['apply', '-input=false', '-no-color', { value: saved.planFile }],
    env: { TF_IN_AUTOMATION: '1', TF_INPUT: '0' },
    timeoutMs: b.timeoutMs,
    signal: ctx.signal,
    onLine: (l) => void pending.push(ctx.log(l)),
    stage: { runId: ctx.run.id, stageId: ctx.stage.id },
  });
  await Promise.all(pending);
  if (r.exitCode !== 0 || r.timedOut) return failed(describe('apply', r, b.timeoutMs));
  await locks.release(s.dir, env, ctx.run.id);
  return { status: 'succeeded', summary: 'applied the saved plan', details: { terraform: { ...saved, applied: true } } };
}
