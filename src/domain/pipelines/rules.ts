import { AccessControl, type Actor } from '../../core/access.js';
import { ForbiddenError, NotFoundError, UsageError } from '../../core/errors.js';
import { refProblem } from './refs.js';
import type { ParamDef, PipelineDef } from './schema.js';

/**
 * Who may deploy what, and run parameters. A pipeline's `allow:` (roles, default `deployer`, and
 * users) says who may run, cancel or retry it; an environment's `role:` adds a stricter role for
 * that target. Production environments (`production`, `prod`) need `prod-deployer` unless the
 * file names another role.
 */
export const PROD_ENVS = new Set(['production', 'prod']);

export function envRole(def: PipelineDef, env: string): string | undefined {
  return def.environments[env]?.role ?? (PROD_ENVS.has(env) ? 'prod-deployer' : undefined);
}

export function requireDeployer(actor: Actor, def: PipelineDef, env: string, action: string): void {
  const listed = def.allow.users.includes(actor.userId) || def.allow.roles.some((r) => AccessControl.has(actor, r));
  if (!listed) {
    throw new ForbiddenError(
      `You need the ${def.allow.roles.map((r) => `\`${r}\``).join(' or ')} role ` +
        `(or to be on ${def.name}'s allow list) to ${action} ${def.name}.`,
      `pipeline:${def.name}:allow`,
      ['Ask an admin to grant the role in config/access.yml, or the owning team to add you to `allow.users` in the pipeline file.'],
    );
  }
  const role = envRole(def, env);
  if (role && !AccessControl.has(actor, role)) {
    throw new ForbiddenError(`Deploying ${def.name} to \`${env}\` needs the \`${role}\` role.`, `pipeline:${def.name}:env:${env}`, [
      'Ask an admin to grant it in config/access.yml.',
    ]);
  }
}

export function requireEnv(def: PipelineDef, env: string | undefined): string {
  const envs = Object.keys(def.environments);
  const chosen = env ?? (envs.length === 1 ? envs[0] : undefined);
  if (!chosen)
    throw new UsageError(`${def.name} deploys to several environments: say which with \`--env\`.`, [`Environments: ${envs.join(', ')}`]);
  if (!envs.includes(chosen)) throw new NotFoundError(`environment of ${def.name}`, chosen, envs);
  return chosen;
}

/** `--ref` (or the pipeline's default) as a git ref; refused before a run exists. */
export function requireRef(def: PipelineDef, ref: string | undefined): string {
  const chosen = ref ?? def.default_ref;
  const problem = refProblem(chosen);
  if (problem)
    throw new UsageError(`\`--ref\` must be a git branch, tag or commit; this one is refused because ${problem}.`, [
      'Example: `--ref main`, `--ref v1.4.2`, `--ref release/2024-06`.',
    ]);
  return chosen;
}

const MAX_PARAM = 2000;

/** What is wrong with `v` for a param of this declaration, or null. */
export function paramProblem(name: string, p: ParamDef, v: string): string | null {
  const shown = `\`${v.slice(0, 40).replace(/[`\n]/g, ' ')}\``;
  if (v.length > MAX_PARAM) return `Parameter \`${name}\` is longer than ${MAX_PARAM} characters.`;
  if (v.includes('\0')) return `Parameter \`${name}\` contains a NUL character.`;
  if (p.type === 'number' && !(/^-?\d+(\.\d+)?$/.test(v) && Number.isFinite(Number(v))))
    return `Parameter \`${name}\` is a number; ${shown} is not.`;
  if (p.type === 'boolean' && !['true', 'false'].includes(v)) return `Parameter \`${name}\` is true or false; ${shown} is not.`;
  if (p.allowed && !p.allowed.includes(v)) return `Parameter \`${name}\` must be one of: ${p.allowed.join(', ')}.`;
  return null;
}

/**
 * Checks `--param k=v` values against the file's parameters (type, allowed values) and fills in
 * defaults. Values are data: they reach shell stages as environment variables, never as code.
 */
export function bindParams(def: PipelineDef, given: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  const names = Object.keys(def.params);
  for (const [k, v] of Object.entries(given)) {
    // Own keys only: `--param constructor=x` must not find Object.prototype's.
    const p = Object.hasOwn(def.params, k) ? def.params[k] : undefined;
    if (!p)
      throw new UsageError(`${def.name} has no parameter \`${k.slice(0, 40)}\`.`, [
        names.length ? `Parameters: ${names.join(', ')}` : `${def.name} takes no parameters (use --ref and --env).`,
      ]);
    const problem = paramProblem(k, p, v);
    if (problem) throw new UsageError(problem);
    out[k] = v;
  }
  for (const [k, p] of Object.entries(def.params)) {
    if (out[k] !== undefined) continue;
    if (p.default !== undefined) out[k] = p.default;
    else if (p.required) throw new UsageError(`${def.name} needs \`--param ${k}=…\`${p.description ? ` (${p.description})` : ''}.`);
  }
  return out;
}

/** `--param k=v` words into a map; a word without `=` is a usage error. */
export function parseParamWords(words: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const w of words) {
    const i = w.indexOf('=');
    if (i <= 0) throw new UsageError(`\`--param ${w.slice(0, 40)}\`: write it as name=value.`);
    out[w.slice(0, i)] = w.slice(i + 1);
  }
  return out;
}

/** `from` and every stage that (transitively) needs it. */
export function downstreamOf(def: PipelineDef, from: string): Set<string> {
  const out = new Set([from]);
  for (let grew = true; grew;) {
    grew = false;
    for (const s of def.stages) {
      if (!out.has(s.id) && s.needs.some((n) => out.has(n))) {
        out.add(s.id);
        grew = true;
      }
    }
  }
  return out;
}
