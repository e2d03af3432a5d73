import { z } from 'zod';
import { parseDuration } from '../time.js';

/**
 * Argument types shared by every command spec, each with its one grammar, as Hubot's CommandBus
 * type resolvers do: a spec says `user: arg.user()` and its handler gets the canonical value
 * (`U0BOB`, `INC-12`), while a word that is not one is refused before the handler runs, with a
 * usage error naming the flag and what to write. Domain code that reads the same kinds of words
 * (webhook bodies, buttons) calls the `parse*` functions here, so no grammar is written twice.
 */

const clip = (word: string): string => (word.length > 40 ? `${word.slice(0, 40)}…` : word);

/** `<@U123|name>` (the manifest escapes mentions) or a bare `U123` / `W123`; null otherwise. */
export function parseUserId(text: string): string | null {
  const t = text.trim();
  const m = /^<@([UW][A-Z0-9]{2,})(?:\|[^>]*)?>$/.exec(t) ?? /^([UW][A-Z0-9]{2,})$/.exec(t);
  return m ? m[1]! : null;
}

/** `<#C123|name>` (the manifest escapes channels) or a bare `C123` / `G123`; null otherwise. */
export function parseChannelId(text: string): string | null {
  const t = text.trim();
  const m = /^<#([CG][A-Z0-9]{2,})(?:\|[^>]*)?>$/.exec(t) ?? /^([CG][A-Z0-9]{2,})$/.exec(t);
  return m ? m[1]! : null;
}

/** `INC-42`, `inc-42`, `inc42` and `42` all name incident `INC-42`; null otherwise. */
export function parseIncidentId(text: string): string | null {
  const m = /^(?:inc-?)?(\d{1,9})$/i.exec(text.trim());
  return m ? `INC-${Number(m[1])}` : null;
}

/** `PLAN-7`, `plan-7` and `7` all name plan item `PLAN-7`; null otherwise. */
export function parsePlanId(text: string): string | null {
  const m = /^(?:plan-)?(\d{1,9})$/i.exec(text.trim());
  return m ? `PLAN-${Number(m[1])}` : null;
}

/** A pipeline run id as the run repository makes them (`r42`); null otherwise. */
export function parseRunId(text: string): string | null {
  const t = text.trim();
  return /^r\d{1,12}$/.test(t) ? t : null;
}

/** A duration as typed (`30m`) with its length: handlers show what was typed and compute with `ms`. */
export interface Duration {
  ms: number;
  text: string;
}

/**
 * A zod field for one word: `parse` gives the canonical value or null, and `refuse(word)` says
 * what is wrong. The router prefixes the message with the flag or placeholder and adds the usage.
 */
function wordArg<T>(parse: (word: string) => T | null, refuse: (word: string) => string) {
  return z.string().transform((word, ctx): T => {
    const value = parse(word);
    if (value === null) {
      ctx.addIssue({ code: 'custom', message: refuse(clip(word)) });
      return z.NEVER;
    }
    return value;
  });
}

export const arg = {
  /** A Slack user: `@name` as Slack sends it (`<@U123|name>`) or an id; gives the id. */
  user: (help = 'a user: @name or their id (U123)') =>
    wordArg(parseUserId, (w) => `\`${w}\` is not a user; mention them (@name) or give their id (U123).`).describe(help),
  /** A Slack channel: `#name` as Slack sends it (`<#C123|name>`) or an id; gives the id. */
  channel: (help = 'a channel: #name or its id (C123)') =>
    wordArg(parseChannelId, (w) => `\`${w}\` is not a channel; link it (#name) or give its id (C123).`).describe(help),
  /** `30s`, `30m`, `2h`, `7d`, `8w`; gives `{ ms, text }`. Use `.prefault('24h')` for a default. */
  duration: (help = 'how long, e.g. 30m, 2h or 7d') =>
    wordArg(
      (w): Duration | null => {
        const ms = parseDuration(w);
        return ms === null ? null : { ms, text: w.trim() };
      },
      (w) => `\`${w}\` is not a duration; use e.g. 30m, 2h or 7d.`,
    ).describe(help),
  /** Who did something in the audit log: a user as for `user()`, or a system actor (`helpdesk`, `alertmanager`) as written. */
  actor: (help = 'a user (@name or U123) or a system actor such as helpdesk') =>
    wordArg(
      (w) => parseUserId(w) ?? (/^[a-z][a-z0-9_-]{0,39}$/.test(w.trim()) ? w.trim() : null),
      (w) => `\`${w}\` is neither a user (@name, U123) nor a system actor name.`,
    ).describe(help),
  /** A pipeline run id (`r42`). */
  runId: (help = 'run id, e.g. r42') => wordArg(parseRunId, (w) => `\`${w}\` is not a run id; write it like r42.`).describe(help),
  /** An incident id, any case, with or without `INC-`; gives `INC-<n>`. */
  incidentId: (help = 'the incident, e.g. INC-42') =>
    wordArg(parseIncidentId, (w) => `\`${w}\` is not an incident id; use e.g. INC-42.`).describe(help),
  /** A plan item id, any case, with or without `PLAN-`; gives `PLAN-<n>`. */
  planId: (help = 'the plan item, e.g. PLAN-7') =>
    wordArg(parsePlanId, (w) => `\`${w}\` is not a plan item id; write it like PLAN-7.`).describe(help),
};

/** `schema.optional()` keeping its help: zod puts `.describe()` on the schema, not through wrappers. */
export function optional<T extends z.ZodType>(schema: T): z.ZodOptional<T> {
  const o = schema.optional();
  return schema.description ? o.describe(schema.description) : o;
}

/** A default written as the user would type it (`'24h'`), parsed like typed text, keeping the help. */
export function typedDefault<T extends z.ZodType<unknown, string>>(schema: T, typed: z.input<T>): z.ZodPrefault<T> {
  const o = schema.prefault(typed);
  return schema.description ? o.describe(schema.description) : o;
}
