/**
 * `--ref` is typed by a person and travels to git, CI backends and stage environments, so it is
 * checked by `git check-ref-format` rules before a run exists. Shell metacharacters are refused
 * too: git forbids some of them anyway, and a ref has no business carrying the rest.
 */
const SHELL_META = /[$`'"();|&<>]/;
// Control characters (incl. newline and DEL), space and what git reserves for revision syntax.
// eslint-disable-next-line no-control-regex
const GIT_FORBIDDEN = /[\u0000-\u001f\u007f ~^:?*[\\]/;

/** What is wrong with `ref` as a git ref, or null when it is fine. */
export function refProblem(ref: string): string | null {
  if (!ref) return 'it is empty';
  if (ref.length > 200) return 'it is longer than 200 characters';
  if (ref.startsWith('-')) return 'it starts with "-" (it would read as an option)';
  if (GIT_FORBIDDEN.test(ref)) return 'it contains a space, a control character or one of ~ ^ : ? * [ \\';
  if (SHELL_META.test(ref)) return 'it contains a shell metacharacter ($ ` \' " ; | & < > ( ))';
  if (ref === '@') return 'it is "@" alone';
  if (ref.includes('@{')) return 'it contains "@{"';
  if (ref.includes('..')) return 'it contains ".."';
  if (ref.includes('//')) return 'it contains "//"';
  if (ref.startsWith('/') || ref.endsWith('/')) return 'it starts or ends with "/"';
  if (ref.endsWith('.')) return 'it ends with "."';
  for (const part of ref.split('/')) {
    if (part.startsWith('.')) return `its component "${part.slice(0, 40)}" starts with "."`;
    if (part.endsWith('.lock')) return `its component "${part.slice(0, 40)}" ends with ".lock"`;
  }
  return null;
}

/**
 * Environment rules name refs by pattern (`main`, `release/*`, `v*`): `*` stands for any run of
 * characters within one `/`-separated part, `**` for any run across parts. A `refs/heads/` or
 * `refs/tags/` prefix is ignored on both sides, so `v*` also admits `refs/tags/v1.2.0`.
 */
export function refPatternProblem(pattern: string): string | null {
  if (!pattern) return 'it is empty';
  if (pattern.length > 200) return 'it is longer than 200 characters';
  // The pattern is a ref with `*` allowed: the same rules, checked with the stars taken out.
  return refProblem(pattern.replace(/\*+/g, 'x'));
}

const shortRef = (ref: string): string => ref.replace(/^refs\/(heads|tags)\//, '');

export function refMatches(pattern: string, ref: string): boolean {
  const source = shortRef(pattern)
    .split(/(\*\*|\*)/)
    .map((part) => (part === '**' ? '.*' : part === '*' ? '[^/]*' : part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${source}$`).test(shortRef(ref));
}
