import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import type { z } from 'zod';
import { ConfigError } from '../errors.js';

/**
 * Reads a YAML file and validates it with a zod schema. A bad file stops start-up with the file,
 * the path inside it and what is wrong, e.g. `config/access.yml: roles.deployer.users.0: expected
 * a Slack user id`.
 */
export function loadYamlFile<S extends z.ZodType>(file: string, schema: S): z.infer<S> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`${file}: cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  return parseYamlText(file, text, schema);
}

export function parseYamlText<S extends z.ZodType>(file: string, text: string, schema: S): z.infer<S> {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err) {
    throw new ConfigError(`${file}: not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  const result = schema.safeParse(doc ?? {});
  if (result.success) return result.data;
  throw new ConfigError(`${file} is invalid:\n  ${formatZodIssues(result.error.issues).join('\n  ')}`);
}

export function formatZodIssues(issues: ReadonlyArray<{ path: PropertyKey[]; message: string }>): string[] {
  return issues.map((i) => `${i.path.map(String).join('.') || '(top)'}: ${i.message}`);
}
