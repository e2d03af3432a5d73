import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

/**
 * Every Slack id a configuration names, found by where it sits: a value under a key that names
 * channels (`channel`, `team_channel`, `announce_channel`, `channels`, and the incident audiences
 * `noc`, `helpdesk`, `stakeholders`), under `users`, `groups` or `emails` (on-call people looked up). Reading the raw YAML keeps
 * doctor independent of each module's schema, so a new config file is covered without changes.
 */
export type RefKind = 'channel' | 'user' | 'group' | 'email';
export interface Ref {
  kind: RefKind;
  id: string;
  where: string;
}

const ID: Record<RefKind, RegExp> = {
  channel: /^[CG][A-Z0-9]{2,}$/,
  user: /^[UW][A-Z0-9]{2,}$/,
  group: /^S[A-Z0-9]{2,}$/,
  email: /^[^@\s]+@[^@\s]+\.[^@\s]+$/,
};
const AUDIENCES = new Set(['noc', 'helpdesk', 'stakeholders']);

function kindOfKey(key: string): RefKind | undefined {
  if (key === 'users') return 'user';
  if (key === 'groups') return 'group';
  if (key === 'emails') return 'email';
  if (key.includes('channel') || AUDIENCES.has(key)) return 'channel';
  return undefined;
}

function walk(node: unknown, path: string[], kind: RefKind | undefined, file: string, out: Ref[]): void {
  if (typeof node === 'string') {
    if (kind && ID[kind].test(node)) out.push({ kind, id: node, where: `${file}: ${path.join('.')}` });
    return;
  }
  if (Array.isArray(node)) {
    node.forEach((v, i) => walk(v, [...path, String(i)], kind, file, out));
    return;
  }
  if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) walk(v, [...path, k], kindOfKey(k) ?? kind, file, out);
  }
}

/** YAML files directly in `dir` (sorted); `skip` names files that are not the bot's config. */
export function collectRefs(dir: string, skip: readonly string[] = []): { refs: Ref[]; errors: string[] } {
  const refs: Ref[] = [];
  const errors: string[] = [];
  let names: string[];
  try {
    names = readdirSync(dir)
      .filter((n) => /\.ya?ml$/.test(n) && !skip.includes(n))
      .sort();
  } catch (err) {
    return { refs, errors: [`${dir}: cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`] };
  }
  for (const name of names) {
    const file = join(dir, name);
    try {
      walk(parse(readFileSync(file, 'utf8')), [], undefined, file, refs);
    } catch (err) {
      errors.push(`${file}: ${(err as Error).message.split('\n')[0]}`);
    }
  }
  return { refs, errors };
}

/** One entry per id, keeping every place it is named. */
export function byId(refs: Ref[], kind: RefKind): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const r of refs) if (r.kind === kind) out.set(r.id, [...(out.get(r.id) ?? []), r.where]);
  return out;
}
