import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ZodType } from 'zod';
import { formatZodIssues, parseYamlText } from '../../core/config/yaml-file.js';
import { ConfigError } from '../../core/errors.js';
// The same placeholder rules as pipeline stages: one grammar, one shell-text rule.
import { checkReference, references, shellTextProblems } from '../pipelines/placeholders.js';
import { runbookSchema, type LoadedRunbook, type RunbookDef } from './schema.js';

/** A stage kind as validation needs it: its name and the schema of its `with:` settings. */
export interface KindSchema {
  kind: string;
  settings: ZodType;
}

/**
 * Kinds that hand off to someone else and resolve through a pipeline run (a gate, an inspector
 * override): a runbook reaches them through a `pipeline:` step instead.
 */
const PIPELINE_ONLY_KINDS = ['approval', 'inspect'];

export interface RunbookCheck {
  runbooks: LoadedRunbook[];
  /** One line per problem: `<file>: <path inside it>: <what is wrong>`. */
  errors: string[];
}

/** What else the check knows when the app is up: role names, pipeline names. Absent: not checked. */
export interface RunbookRefs {
  roles?: readonly string[];
  pipelines?: readonly string[];
}

/** Checks every runbooks/*.yml against the file schema and each automated step's kind. Never throws. */
export function checkRunbookFiles(dir: string, kinds: readonly KindSchema[], refs: RunbookRefs = {}): RunbookCheck {
  let names: string[];
  try {
    names = readdirSync(dir)
      .filter((n) => /\.ya?ml$/.test(n))
      .sort();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // A deployment without a runbooks folder has no runbooks; one it cannot read is a problem.
    if (code === 'ENOENT') return { runbooks: [], errors: [] };
    return { runbooks: [], errors: [`${dir}: cannot be read (${code ?? 'error'})`] };
  }
  const byKind = new Map(kinds.filter((k) => !PIPELINE_ONLY_KINDS.includes(k.kind)).map((k) => [k.kind, k.settings]));
  const runbooks: LoadedRunbook[] = [];
  const errors: string[] = [];
  const seen = new Map<string, string>();
  for (const name of names) {
    const file = join(dir, name);
    const text = readFileSync(file, 'utf8');
    let rb: RunbookDef;
    try {
      rb = parseYamlText(file, text, runbookSchema);
    } catch (err) {
      errors.push(...fileProblems(file, (err as Error).message));
      continue;
    }
    const fileErrors: string[] = [];
    const asked: string[] = [];
    rb.steps.forEach((step, i) => {
      if (step.run) fileErrors.push(...checkAutomated(step.run, `steps.${i}.run`, byKind, asked));
      if (step.pipeline && refs.pipelines && !refs.pipelines.includes(step.pipeline.name))
        fileErrors.push(`steps.${i}.pipeline.name: unknown pipeline ${step.pipeline.name} (pipelines: ${refs.pipelines.join(', ')})`);
      if (step.ask) asked.push(step.id);
    });
    rb.allow.roles.forEach((r, i) => {
      if (refs.roles && r !== 'admin' && !refs.roles.includes(r))
        fileErrors.push(`allow.roles.${i}: role ${r} is not in config/access.yml (roles: ${refs.roles.join(', ')})`);
    });
    const other = seen.get(rb.name);
    if (other) fileErrors.push(`name: runbook ${rb.name} is also defined in ${other}`);
    seen.set(rb.name, file);
    if (fileErrors.length) errors.push(...fileErrors.map((l) => `${file}: ${l}`));
    else runbooks.push({ def: rb, file, hash: createHash('sha256').update(text).digest('hex') });
  }
  return { runbooks, errors };
}

/** parseYamlText's refusal (`<file> is invalid:` and one indented line per issue) as one `<file>: <path>: <problem>` line each. */
function fileProblems(file: string, message: string): string[] {
  const [first, ...issues] = message.split('\n');
  return issues.length ? issues.map((l) => `${file}: ${l.trim()}`) : [first!];
}

function checkAutomated(
  run: { kind: string; with: Record<string, unknown> },
  at: string,
  byKind: Map<string, ZodType>,
  asked: readonly string[],
): string[] {
  const out: string[] = [];
  const schema = byKind.get(run.kind);
  if (!schema) {
    const hint = PIPELINE_ONLY_KINDS.includes(run.kind) ? '; put it in a pipeline and use a `pipeline:` step' : '';
    return [`${at}.kind: stage kind ${run.kind} cannot run in a runbook step (kinds: ${[...byKind.keys()].sort().join(', ')})${hint}`];
  }
  const settings = schema.safeParse(run.with);
  if (!settings.success) out.push(...formatZodIssues(settings.error.issues).map((l) => `${at}.with.${l}`));
  // `params.<step>` is the value an earlier manual step recorded.
  for (const ref of references(run.with)) {
    const problem = checkReference(ref, asked);
    if (problem) out.push(`${at}.with.${ref.path}: ${problem.replace('parameters:', 'values of earlier steps:')}`);
  }
  for (const p of shellTextProblems(run.kind, run.with)) out.push(`${at}.with.${p.path}: ${p.message}`);
  return out;
}

/** The start-up check: any problem stops the app with every file, path and message listed. */
export function validateRunbookFiles(dir: string, kinds: readonly KindSchema[], refs: RunbookRefs = {}): LoadedRunbook[] {
  const { runbooks, errors } = checkRunbookFiles(dir, kinds, refs);
  if (errors.length) throw new ConfigError(`Invalid runbooks:\n  ${errors.join('\n  ')}`);
  return runbooks;
}
