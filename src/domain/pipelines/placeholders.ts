/**
 * `${{ params.ref }}`, `${{ inject.subnet_id }}` and `${{ run.env }}` inside stage settings.
 * Load time checks every reference (unknown params are a config error); run time substitutes
 * them. Inject keys are resolved when the stage starts, never earlier, so a secret exists only
 * in memory while its stage runs.
 */
const PATTERN = /\$\{\{\s*([a-z]+)\.([A-Za-z0-9_.-]+)\s*\}\}/g;
export const RUN_FIELDS = ['id', 'env', 'ref', 'pipeline', 'service', 'triggered_by'] as const;

export interface Reference {
  ns: string;
  key: string;
  /** Dotted path inside the settings, for error messages. */
  path: string;
}

export function references(value: unknown, path = ''): Reference[] {
  if (typeof value === 'string') {
    return [...value.matchAll(PATTERN)].map((m) => ({ ns: m[1]!, key: m[2]!, path }));
  }
  if (Array.isArray(value)) return value.flatMap((v, i) => references(v, path ? `${path}.${i}` : String(i)));
  if (value && typeof value === 'object') {
    return Object.entries(value).flatMap(([k, v]) => references(v, path ? `${path}.${k}` : k));
  }
  return [];
}

/** What is wrong with a reference, or null when it is fine. */
export function checkReference(ref: Reference, params: readonly string[]): string | null {
  if (ref.ns === 'params') return params.includes(ref.key) || ref.key === 'ref' || ref.key === 'env' ? null : `unknown parameter params.${ref.key} (parameters: ${['ref', 'env', ...params].join(', ')})`;
  if (ref.ns === 'run') return (RUN_FIELDS as readonly string[]).includes(ref.key) ? null : `unknown run field run.${ref.key} (fields: ${RUN_FIELDS.join(', ')})`;
  if (ref.ns === 'inject') return /^[A-Za-z0-9_.-]+$/.test(ref.key) ? null : `bad inject key ${ref.key}`;
  return `unknown placeholder namespace ${ref.ns} (use params, inject or run)`;
}

export function injectKeys(value: unknown): string[] {
  return [...new Set(references(value).filter((r) => r.ns === 'inject').map((r) => r.key))];
}

/** Replaces every placeholder; `lookup` returns the value (a missing one throws in the caller). */
export function substitute(value: unknown, lookup: (ns: string, key: string) => string): unknown {
  if (typeof value === 'string') return value.replace(PATTERN, (_m, ns: string, key: string) => lookup(ns, key));
  if (Array.isArray(value)) return value.map((v) => substitute(v, lookup));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, lookup)]));
  return value;
}

/** Secrets are masked by the one masker (multi-line values line by line, base64 too). */
export { maskSecrets } from '../../core/mask.js';
