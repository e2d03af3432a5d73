import type { z } from 'zod';
import { SwitchyardError } from './errors.js';

/**
 * A domain event or job payload that does not match its schema: published by an older version,
 * by hand, or by a bug. Consumers refuse it with this error instead of casting it, and its message
 * names the paths and what was expected, never the values (a payload may hold user text).
 */
export class InvalidPayloadError extends SwitchyardError {
  /** `event pipeline.run.finished`, `job incidents.helpdesk`. */
  readonly what: string;
  readonly issues: string[];
  constructor(what: string, issues: string[]) {
    super('invalid_state', `${what}: payload refused (${issues.join('; ')})`);
    this.what = what;
    this.issues = issues;
  }
}

/** Parses a payload with its schema; throws InvalidPayloadError naming what refused it. */
export function parsePayload<T>(schema: z.ZodType<T>, data: unknown, what: string): T {
  const r = schema.safeParse(data);
  if (r.success) return r.data;
  throw new InvalidPayloadError(
    what,
    r.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`),
  );
}
