import { AccessControl, type Actor } from '../../core/access.js';
import { ForbiddenError, NotFoundError, UsageError } from '../../core/errors.js';
import type { PipelineDef } from './schema.js';

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
      `You need the ${def.allow.roles.map((r) => `\`${r}\``).join(' or ')} role (or to be on ${def.name}'s allow list) to ${action} ${def.name}.`,
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
  if (!chosen) throw new UsageError(`${def.name} deploys to several environments: say which with \`--env\`.`, [`Environments: ${envs.join(', ')}`]);
  if (!envs.includes(chosen)) throw new NotFoundError(`environment of ${def.name}`, chosen, envs);
  return chosen;
}

/** Checks `--param k=v` values against the file's parameters and fills in defaults. */
export function bindParams(def: PipelineDef, given: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  const names = Object.keys(def.params);
  for (const [k, v] of Object.entries(given)) {
    const p = def.params[k];
    if (!p) throw new UsageError(`${def.name} has no parameter \`${k}\`.`, [names.length ? `Parameters: ${names.join(', ')}` : `${def.name} takes no parameters (use --ref and --env).`]);
    if (p.type === 'number' && !/^-?\d+(\.\d+)?$/.test(v)) throw new UsageError(`Parameter \`${k}\` is a number; \`${v.slice(0, 40)}\` is not.`);
    if (p.type === 'boolean' && !['true', 'false'].includes(v)) throw new UsageError(`Parameter \`${k}\` is true or false; \`${v.slice(0, 40)}\` is not.`);
    if (p.allowed && !p.allowed.includes(v)) throw new UsageError(`Parameter \`${k}\` must be one of: ${p.allowed.join(', ')}.`);
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
  for (let grew = true; grew; ) {
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
