import { references, runFieldValues, type Reference } from '../placeholders.js';

/**
 * `${{ params.ref }}`, `${{ inject.subnet_id }}` and `${{ run.env }}` inside stage settings.
 * Load time checks every reference (unknown params are a config error); run time substitutes
 * them. Inject keys are resolved when the stage starts, never earlier, so a secret exists only
 * in memory while its stage runs. The grammar itself is shared with injection (../placeholders.ts).
 */
export { injectKeys, references, substitute, type Reference } from '../placeholders.js';
export const RUN_FIELDS = ['id', 'env', 'ref', 'pipeline', 'service', 'triggered_by'] as const;

/** What is wrong with a reference, or null when it is fine. */
export function checkReference(ref: Reference, params: readonly string[]): string | null {
  if (ref.ns === 'params')
    return params.includes(ref.key) || ref.key === 'ref' || ref.key === 'env'
      ? null
      : `unknown parameter params.${ref.key} (parameters: ${['ref', 'env', ...params].join(', ')})`;
  if (ref.ns === 'run')
    return (RUN_FIELDS as readonly string[]).includes(ref.key)
      ? null
      : `unknown run field run.${ref.key} (fields: ${RUN_FIELDS.join(', ')})`;
  if (ref.ns === 'inject') return /^[A-Za-z0-9_.-]+$/.test(ref.key) ? null : `bad inject key ${ref.key}`;
  return `unknown placeholder namespace ${ref.ns} (use params, inject or run)`;
}

/**
 * Settings a kind hands to `/bin/sh -c` (or uses as a path there): a placeholder in them would
 * paste typed text into shell code, so they take no `${{ }}` at all. Values reach the command
 * as environment variables instead, as GitHub Actions recommends for `run:` steps.
 */
export const SHELL_TEXT_SETTINGS: Readonly<Record<string, readonly string[]>> = { shell: ['command', 'cwd'] };

/** `SWITCHYARD_PARAM_<NAME>`: the environment variable a param reaches a shell stage as. */
export function paramEnvName(name: string): string {
  return `SWITCHYARD_PARAM_${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}

const RUN_ENV: Record<(typeof RUN_FIELDS)[number], string> = {
  id: 'SWITCHYARD_RUN_ID',
  env: 'SWITCHYARD_ENV',
  ref: 'SWITCHYARD_REF',
  pipeline: 'SWITCHYARD_PIPELINE',
  service: 'SWITCHYARD_SERVICE',
  triggered_by: 'SWITCHYARD_TRIGGERED_BY',
};

/** Every run field and param as the environment of a shell stage (values are data, never parsed by the shell). */
export function runEnvironment(run: {
  id: string;
  env: string;
  ref: string;
  pipeline: string;
  service: string;
  triggeredBy: string;
  params: Record<string, string>;
}): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(run.params)) out[paramEnvName(k)] = v;
  const fields: Record<string, string> = runFieldValues(run);
  for (const f of RUN_FIELDS) out[RUN_ENV[f]] = fields[f]!;
  return out;
}

/** How to write a reference safely in shell text: the env var to use, or how to declare one. */
export function envHint(ref: Pick<Reference, 'ns' | 'key'>): string {
  if (ref.ns === 'inject') {
    const name = ref.key.toUpperCase().replace(/[^A-Z0-9]/g, '_');
    return `declare it in the stage's env (\`env: { ${name}: \${{ inject.${ref.key} }} }\`) and use "$${name}" in the command`;
  }
  const field = ref.ns === 'run' || ref.key === 'ref' || ref.key === 'env' ? RUN_ENV[ref.key as keyof typeof RUN_ENV] : undefined;
  return `use "$${field ?? paramEnvName(ref.key)}" in the command`;
}

/** Placeholders in a stage's shell text, each with the message that refuses it. */
export function shellTextProblems(kind: string, settings: Record<string, unknown>): Array<{ path: string; message: string }> {
  return (SHELL_TEXT_SETTINGS[kind] ?? []).flatMap((field) =>
    references(settings[field], field)
      .filter((r) => ['params', 'run', 'inject'].includes(r.ns))
      .map((r) => ({
        path: r.path,
        message:
          `\${{ ${r.ns}.${r.key} }} would paste a value into shell code: ${envHint(r)} instead ` +
          `(params, the ref and run fields reach shell stages as SWITCHYARD_* environment variables)`,
      })),
  );
}

/** Secrets are masked by the one masker (multi-line values line by line, base64 too). */
export { maskSecrets } from '../../core/mask.js';
