import { z } from 'zod';
import { UsageError } from './errors.js';

/**
 * How a button's value or a modal's private metadata travels through Slack: the bot's builders
 * (`defineAction(...).button`, `defineView(...).modal`, src/core/edges.ts) call `encode`; the edge
 * pipeline calls `decode` before any handler runs. This file is the one place a Slack value is
 * split or parsed.
 */
export interface Codec<T> {
  /** For the bot's own buttons and forms. Throws (a bug, not a user error) when the value would not decode. */
  encode(value: T): string;
  /** For what Slack sends back: UsageError when it is not a value this bot made. */
  decode(raw: string): T;
}

const SEP = '|';

function unreadable(what: string): UsageError {
  return new UsageError(`This ${what} carries a value Switchyard cannot read, so nothing was done.`, [
    'It may come from an old message or have been altered. Use the buttons on the current message, or the matching command.',
  ]);
}

function checked<T>(schema: z.ZodType<T>, v: unknown, what: string): T {
  const r = schema.safeParse(v);
  if (!r.success) throw unreadable(what);
  return r.data;
}

/** One string, checked by `schema` both ways (a run id, a gate id, a plan item id). */
export function text<T extends string>(schema: z.ZodType<T>, what = 'button'): Codec<T> {
  return {
    encode: (v) => {
      schema.parse(v);
      return v;
    },
    decode: (raw) => checked(schema, raw, what),
  };
}

/**
 * A few strings in a compact, fixed order: `INC-7|mitigated`. The order is the shape's key order.
 * Values already on Slack messages keep working, and no field may contain `|`.
 */
export function compact<S extends Record<string, z.ZodType<string>>>(shape: S): Codec<{ [K in keyof S]: z.output<S[K]> }> {
  const keys = Object.keys(shape) as Array<keyof S & string>;
  const schema = z.object(shape);
  type T = { [K in keyof S]: z.output<S[K]> };
  return {
    encode: (v) => {
      const parsed = schema.parse(v) as Record<string, string>;
      const parts = keys.map((k) => parsed[k] ?? '');
      if (parts.some((p) => p.includes(SEP))) throw new Error(`a field of ${keys.join(SEP)} contains ${SEP}: ${parts.join(', ')}`);
      return parts.join(SEP);
    },
    decode: (raw) => {
      const parts = raw.split(SEP);
      if (parts.length !== keys.length) throw unreadable('button');
      return checked(schema, Object.fromEntries(keys.map((k, i) => [k, parts[i]])), 'button') as T;
    },
  };
}

/** Any JSON value checked by `schema` (the usual choice for modal metadata). */
export function json<T>(schema: z.ZodType<T>, what = 'form'): Codec<T> {
  return {
    encode: (v) => JSON.stringify(schema.parse(v)),
    decode: (raw) => {
      let v: unknown;
      try {
        v = JSON.parse(raw);
      } catch {
        throw unreadable(what);
      }
      return checked(schema, v, what);
    },
  };
}
