/**
 * The one `${{ ns.key }}` grammar of stage settings (`params`, `inject`, `run`). The pipelines
 * engine checks and resolves it; injection renders what a stage would receive with it. Both
 * import these functions, so the two can never read a placeholder differently.
 */
const PATTERN = /\$\{\{\s*([a-z]+)\.([A-Za-z0-9_.-]+)\s*\}\}/g;

export interface Reference {
  ns: string;
  key: string;
  /** Dotted path inside the settings, for error messages. */
  path: string;
}

/** Every placeholder anywhere in a settings value (strings, arrays, objects), in order. */
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

/** The injected keys a settings value names, each once, in order. */
export function injectKeys(value: unknown): string[] {
  return [
    ...new Set(
      references(value)
        .filter((r) => r.ns === 'inject')
        .map((r) => r.key),
    ),
  ];
}

/** Replaces every placeholder with `lookup(ns, key, placeholder)` (a missing value throws in the caller). */
export function substitute(value: unknown, lookup: (ns: string, key: string, placeholder: string) => string): unknown {
  if (typeof value === 'string') return value.replace(PATTERN, (m: string, ns: string, key: string) => lookup(ns, key, m));
  if (Array.isArray(value)) return value.map((v) => substitute(v, lookup));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, lookup)]));
  return value;
}

/** A copy of `value` with each `${{ inject.key }}` replaced by `replace(key)`; other placeholders stay as written. */
export function substituteInject(value: unknown, replace: (key: string) => string): unknown {
  return substitute(value, (ns, key, placeholder) => (ns === 'inject' ? replace(key) : placeholder));
}

/** The `${{ run.* }}` fields of a run, by the names placeholders use. */
export function runFieldValues(run: { id: string; env: string; ref: string; pipeline: string; service: string; triggeredBy: string }) {
  return { id: run.id, env: run.env, ref: run.ref, pipeline: run.pipeline, service: run.service, triggered_by: run.triggeredBy };
}
