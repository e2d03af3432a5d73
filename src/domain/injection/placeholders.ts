/**
 * `${{ inject.<key> }}` placeholders in stage settings. Render uses these to show what a stage
 * would receive; the pipelines engine resolves the same syntax when a stage starts.
 */
const PLACEHOLDER = /\$\{\{\s*inject\.([A-Za-z0-9_.-]+)\s*\}\}/g;

/** Every injected key named anywhere in a settings value (strings, arrays, objects), in order. */
export function injectKeys(value: unknown): string[] {
  const keys = new Set<string>();
  walk(value, (s) => {
    for (const m of s.matchAll(PLACEHOLDER)) keys.add(m[1]!);
    return s;
  });
  return [...keys];
}

/** A copy of `value` with each placeholder replaced by `replace(key)`. */
export function substituteInject(value: unknown, replace: (key: string) => string): unknown {
  return walk(value, (s) => s.replace(PLACEHOLDER, (_m, key: string) => replace(key)));
}

function walk(value: unknown, onString: (s: string) => string): unknown {
  if (typeof value === 'string') return onString(value);
  if (Array.isArray(value)) return value.map((v) => walk(v, onString));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, walk(v, onString)]));
  }
  return value;
}
