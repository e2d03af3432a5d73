import { z } from 'zod';
import { UsageError } from '../errors.js';
import type { SubcommandSpec } from './spec.js';
import { tokenize } from './tokenize.js';

/** What a zod field accepts, seen through optional/default/pipe wrappers. */
type FieldKind = 'boolean' | 'array' | 'value';

/** The schema a wrapper (optional, default, nullable, prefault, catch, pipe) wraps, if any. */
function inner(schema: z.ZodType): z.ZodType | undefined {
  const def = schema.def;
  const next = 'innerType' in def ? def.innerType : 'in' in def ? def.in : undefined;
  return next instanceof z.ZodType ? next : undefined;
}

function unwrap(schema: z.ZodType): z.ZodType {
  let s = schema;
  for (let i = 0; i < 10; i++) {
    const t = s.def.type;
    const next =
      t === 'optional' || t === 'default' || t === 'nullable' || t === 'prefault' || t === 'catch' || t === 'pipe' ? inner(s) : undefined;
    if (!next) break;
    s = next;
  }
  return s;
}

export function fieldKind(schema: z.ZodType): FieldKind {
  const t = unwrap(schema).def.type;
  return t === 'boolean' ? 'boolean' : t === 'array' ? 'array' : 'value';
}

export function isOptional(schema: z.ZodType): boolean {
  return schema.safeParse(undefined).success;
}

export const kebab = (key: string): string => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

export function describeField(schema: z.ZodType): string | undefined {
  return schema.description;
}

export function usageLine(command: string, spec: SubcommandSpec): string {
  const shape = spec.args.shape as Record<string, z.ZodType>;
  const parts = [`/${command}`, spec.name];
  const positionals = new Set<string>(spec.positionals ?? []);
  for (const key of spec.positionals ?? []) {
    const field = shape[key]!;
    const ph = spec.placeholders?.[key] ?? key;
    const rest = fieldKind(field) === 'array' ? '...' : '';
    parts.push(isOptional(field) ? `[<${ph}>${rest}]` : `<${ph}>${rest}`);
  }
  for (const [key, field] of Object.entries(shape)) {
    if (positionals.has(key)) continue;
    const kind = fieldKind(field);
    const ph = spec.placeholders?.[key] ?? key;
    const flag = kind === 'boolean' ? `--${kebab(key)}` : `--${kebab(key)} <${ph}>`;
    const repeat = kind === 'array' ? '...' : '';
    parts.push(isOptional(field) ? `[${flag}]${repeat}` : `${flag}${repeat}`);
  }
  return parts.join(' ');
}

/**
 * Tokenizes `text` and validates it against the subcommand's schema. Every problem is a
 * UsageError carrying the usage line, so the user sees what was wrong and how to write it.
 */
export function bindArgs(command: string, spec: SubcommandSpec, text: string): Record<string, unknown> {
  const usage = `Usage: \`${usageLine(command, spec)}\``;
  const shape = spec.args.shape as Record<string, z.ZodType>;
  const flagKeys = new Map<string, string>();
  const booleans = new Set<string>();
  for (const key of Object.keys(shape)) {
    flagKeys.set(kebab(key), key);
    if (fieldKind(shape[key]!) === 'boolean') booleans.add(kebab(key));
  }
  let tokens;
  try {
    tokens = tokenize(text, booleans);
  } catch (err) {
    if (err instanceof UsageError) throw new UsageError(err.message, [usage]);
    throw err;
  }
  const raw: Record<string, unknown> = {};
  const positionals = spec.positionals ?? [];
  const words = [...tokens.positionals];
  positionals.forEach((key, idx) => {
    const isLast = idx === positionals.length - 1;
    if (fieldKind(shape[key]!) === 'array') raw[key] = isLast ? words.splice(0) : words.splice(0, 1);
    else if (words.length) raw[key] = words.shift();
  });
  if (words.length) throw new UsageError(`Unexpected argument \`${clipWord(words[0]!)}\`.`, [usage]);

  for (const [flag, values] of tokens.flags) {
    const key = flagKeys.get(flag);
    if (!key || positionals.includes(key)) throw new UsageError(`Unknown flag \`--${clipWord(flag)}\`.`, [usage]);
    const kind = fieldKind(shape[key]!);
    if (kind === 'boolean') {
      const v = values[values.length - 1];
      raw[key] = v === true || v === 'true' || v === 'yes';
      continue;
    }
    if (values.some((v) => v === true)) throw new UsageError(`\`--${flag}\` needs a value.`, [usage]);
    if (kind === 'array') raw[key] = values;
    else if (values.length > 1) throw new UsageError(`\`--${flag}\` was given ${values.length} times; give it once.`, [usage]);
    else raw[key] = values[0];
  }
  const parsed = spec.args.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const key = String(issue.path[0] ?? '');
    const name = positionals.includes(key) ? `<${spec.placeholders?.[key] ?? key}>` : `--${kebab(key)}`;
    const message = issue.code === 'invalid_type' && raw[key] === undefined ? `${name} is required.` : `${name}: ${issue.message}`;
    throw new UsageError(message, [usage]);
  }
  return parsed.data as Record<string, unknown>;
}

function clipWord(word: string): string {
  return word.length > 40 ? `${word.slice(0, 40)}…` : word;
}
