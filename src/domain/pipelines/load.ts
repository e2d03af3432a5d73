import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { ZodType } from 'zod';
import { formatZodIssues } from '../../core/config/yaml-file.js';
import { ConfigError } from '../../core/errors.js';
import { checkReference, references, shellTextProblems } from './placeholders.js';
import { workflowSchema, type PipelineDef } from './schema.js';

/** A stage kind as validation needs it: its name and the schema of its `with:` settings. */
export interface KindSchema {
  kind: string;
  settings: ZodType;
}

export interface WorkflowCheck {
  pipelines: PipelineDef[];
  /** One line per problem: `<file>: <path inside it>: <what is wrong>`. */
  errors: string[];
}

/** Checks every workflows/*.yml against the file schema and each stage's kind. Never throws. */
export function checkWorkflowFiles(dir: string, kinds: readonly KindSchema[]): WorkflowCheck {
  let names: string[];
  try {
    names = readdirSync(dir)
      .filter((n) => /\.ya?ml$/.test(n))
      .sort();
  } catch (err) {
    return { pipelines: [], errors: [`${dir}: cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`] };
  }
  const byKind = new Map(kinds.map((k) => [k.kind, k.settings]));
  const pipelines: PipelineDef[] = [];
  const errors: string[] = [];
  const seen = new Map<string, string>();
  for (const name of names) {
    const file = join(dir, name);
    const fileErrors: string[] = [];
    let doc: unknown;
    try {
      doc = parse(readFileSync(file, 'utf8'));
    } catch (err) {
      errors.push(`${file}: not valid YAML: ${(err as Error).message.split('\n')[0]}`);
      continue;
    }
    const parsed = workflowSchema.safeParse(doc ?? {});
    if (!parsed.success) {
      errors.push(...formatZodIssues(parsed.error.issues).map((l) => `${file}: ${l}`));
      continue;
    }
    const wf = parsed.data;
    const params = Object.keys(wf.params);
    wf.stages.forEach((stage, i) => {
      const schema = byKind.get(stage.kind);
      if (!schema) {
        fileErrors.push(`stages.${i}.kind: unknown stage kind ${stage.kind} (kinds: ${[...byKind.keys()].sort().join(', ')})`);
        return;
      }
      const settings = schema.safeParse(stage.with);
      if (!settings.success) fileErrors.push(...formatZodIssues(settings.error.issues).map((l) => `stages.${i}.with.${l}`));
      for (const ref of references(stage.with)) {
        const problem = checkReference(ref, params);
        if (problem) fileErrors.push(`stages.${i}.with.${ref.path}: ${problem}`);
      }
      for (const p of shellTextProblems(stage.kind, stage.with))
        fileErrors.push(`stages.${i}.with.${p.path} (stage ${stage.id}): ${p.message}`);
    });
    const other = seen.get(wf.name);
    if (other) fileErrors.push(`name: pipeline ${wf.name} is also defined in ${other}`);
    seen.set(wf.name, file);
    if (fileErrors.length) errors.push(...fileErrors.map((l) => `${file}: ${l}`));
    else pipelines.push({ ...wf, file });
  }
  return { pipelines, errors };
}

/** The start-up check: any problem stops the app with every file, path and message listed. */
export function validateWorkflowFiles(dir: string, kinds: readonly KindSchema[]): PipelineDef[] {
  const { pipelines, errors } = checkWorkflowFiles(dir, kinds);
  if (errors.length) throw new ConfigError(`Invalid pipeline definitions:\n  ${errors.join('\n  ')}`);
  return pipelines;
}
