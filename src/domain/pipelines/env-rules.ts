import { ForbiddenError } from '../../core/errors.js';
import { formatDuration } from '../../core/time.js';
import type { RunDoc } from './model.js';
import { refMatches } from './refs.js';
import type { PipelineDef } from './schema.js';

/**
 * Environment rules of a pipeline file, checked before a run exists (the refusal is audited by the
 * command's edge like any other):
 *
 * - `refs:` which refs may deploy to the environment (names and globs, see refMatches);
 * - `soak: { in: staging, for: 30m }`: the same build must have run successfully in `in` and
 *   finished at least `for` ago. "The same build" is the same ref and, for every param the file
 *   marks `artifact: true` that the earlier run recorded, the same value.
 *
 * A rollback (a run started with `rollbackOf`) skips the soak: it returns to a build that already
 * ran in this environment, and waiting out a soak would keep a broken deploy live. Its ref is
 * still checked.
 */
export interface BuildIdentity {
  ref: string;
  params: Record<string, string>;
}

/** What the soak rule reads: successful and other runs of a service in one environment, newest first. */
export type RunsOf = (service: string, env: string) => Promise<RunDoc[]>;

export const artifactParams = (def: PipelineDef): string[] =>
  Object.entries(def.params)
    .filter(([, p]) => p.artifact === true)
    .map(([k]) => k);

/** Whether `run` deployed the build `wanted` names: same ref, same artifact params where it recorded them. */
export function sameBuild(def: PipelineDef, wanted: BuildIdentity, run: Pick<RunDoc, 'ref' | 'params'>): boolean {
  if (run.ref !== wanted.ref) return false;
  return artifactParams(def).every((k) => run.params[k] === undefined || run.params[k] === wanted.params[k]);
}

/** `ref v1.2 (version 1.2.0)`: how a build is named in refusals. */
export function buildLabel(def: PipelineDef, b: BuildIdentity): string {
  const artifacts = artifactParams(def)
    .filter((k) => b.params[k] !== undefined)
    .map((k) => `${k} ${b.params[k]}`);
  return `\`${b.ref}\`${artifacts.length ? ` (${artifacts.join(', ')})` : ''}`;
}

export function requireAllowedRef(def: PipelineDef, env: string, ref: string): void {
  const patterns = def.environments[env]?.refs;
  if (!patterns || patterns.some((p) => refMatches(p, ref))) return;
  throw new ForbiddenError(
    `\`${ref}\` may not deploy to \`${env}\`: the refs rule of ${def.name} for ${env} ` +
      `admits only ${patterns.map((p) => `\`${p}\``).join(', ')}.`,
    `env-rule:${def.name}:${env}:refs`,
    ['Deploy a ref the rule names, or change `environments.' + env + '.refs` in the pipeline file (reviewed like code).'],
  );
}

/** Both rules of the target environment: refs first (it needs no lookup), then the soak. */
export async function requireEnvRules(
  def: PipelineDef,
  env: string,
  build: BuildIdentity,
  runsOf: RunsOf,
  now: number,
  opts: { rollback?: boolean } = {},
): Promise<void> {
  requireAllowedRef(def, env, build.ref);
  const soak = def.environments[env]?.soak;
  if (!soak || opts.rollback) return;
  const rule = `env-rule:${def.name}:${env}:soak`;
  const ran = (await runsOf(def.service, soak.in)).filter((r) => r.status === 'succeeded' && r.finishedAt && sameBuild(def, build, r));
  const soaked = ran.find((r) => now - r.finishedAt! >= soak.for);
  if (soaked) return;
  const need = `${env} needs ${formatDuration(soak.for)} of soak in ${soak.in} (soak rule of ${def.name})`;
  const latest = ran.sort((a, b) => b.finishedAt! - a.finishedAt!)[0];
  if (!latest)
    throw new ForbiddenError(`${buildLabel(def, build)} has not run successfully in \`${soak.in}\`: ${need}.`, rule, [
      `Deploy it to ${soak.in} first, then promote that run: \`/pipeline promote <run> --to ${env}\`.`,
    ]);
  const from = new Date(latest.finishedAt! + soak.for).toISOString().slice(0, 16).replace('T', ' ');
  throw new ForbiddenError(
    `${buildLabel(def, build)} finished in \`${soak.in}\` ${formatDuration(now - latest.finishedAt!)} ago (run ${latest.id}): ` +
      `${need}, so not before ${from} UTC.`,
    rule,
  );
}

/** Every service the pipeline files deploy, with the environments its pipelines name. */
export function serviceEnvs(defs: Iterable<Pick<PipelineDef, 'service' | 'environments'>>): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const d of defs) {
    const envs = out.get(d.service) ?? [];
    for (const e of Object.keys(d.environments)) if (!envs.includes(e)) envs.push(e);
    out.set(d.service, envs);
  }
  return out;
}
