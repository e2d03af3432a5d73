/**
 * Errors are data: every failure a person can cause or meet is one of these coded classes.
 * One error middleware (src/core/dispatch/error-reply.ts) turns them into a single ephemeral message.
 * Messages must never contain secret values: callers name keys and sources, never values.
 */
export type ErrorCode = 'usage' | 'forbidden' | 'not_found' | 'conflict' | 'invalid_state' | 'upstream' | 'config' | 'internal';

export class SwitchyardError extends Error {
  readonly code: ErrorCode;
  /** Extra lines shown to the user (usage line, what exists, which rule refused). */
  readonly hints: string[];

  constructor(code: ErrorCode, message: string, hints: string[] = [], options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.hints = hints;
  }
}

/** Bad command line, flag or value. Carries the usage line(s) generated from the command spec. */
export class UsageError extends SwitchyardError {
  constructor(message: string, hints: string[] = []) {
    super('usage', message, hints);
  }
}

/** The actor lacks a role or is refused by a policy rule; `rule` names what refused it. */
export class ForbiddenError extends SwitchyardError {
  readonly rule: string;
  constructor(message: string, rule: string, hints: string[] = []) {
    super('forbidden', message, hints);
    this.rule = rule;
  }
}

/** Something named by the user does not exist; hints list what does. */
export class NotFoundError extends SwitchyardError {
  constructor(what: string, name: string, existing: readonly string[] = []) {
    const hints = existing.length ? [`Known: ${existing.slice(0, 25).join(', ')}${existing.length > 25 ? ', …' : ''}`] : [];
    super('not_found', `Unknown ${what} \`${name}\`.`, hints);
  }
}

/** The action clashes with current state (already decided, lock held, name taken). */
export class ConflictError extends SwitchyardError {
  constructor(message: string, hints: string[] = []) {
    super('conflict', message, hints);
  }
}

/** The object is in a state where the action makes no sense (cancel a finished run). */
export class InvalidStateError extends SwitchyardError {
  constructor(message: string, hints: string[] = []) {
    super('invalid_state', message, hints);
  }
}

/** A backend (Slack, Vault, Consul, a CI server) failed; `source` names it. */
export class UpstreamError extends SwitchyardError {
  readonly source: string;
  readonly retryable: boolean;
  constructor(source: string, message: string, opts: { retryable?: boolean; cause?: unknown } = {}) {
    super('upstream', `${source}: ${message}`, [], { cause: opts.cause });
    this.source = source;
    this.retryable = opts.retryable ?? true;
  }
}

/**
 * The backend asked us to slow down (Slack's 429 with Retry-After, or the bot's own share of a rate
 * limit is used up): nothing failed, the call must wait `retryAfterMs`. A job is deferred that long
 * and a stage queued again, neither counted as a failed attempt.
 */
export class RateLimitedError extends UpstreamError {
  readonly retryAfterMs: number;
  constructor(source: string, message: string, retryAfterMs: number, cause?: unknown) {
    super(source, message, { retryable: true, cause });
    this.retryAfterMs = retryAfterMs;
  }
}

/** A configuration file or setting is invalid; the message names the file/variable and the path. */
export class ConfigError extends SwitchyardError {
  constructor(message: string, hints: string[] = []) {
    super('config', message, hints);
  }
}

/**
 * Thrown inside a job processor when retrying cannot help (bad config, refused credentials):
 * the queue adapter fails the job at once whatever its `attempts` say.
 */
export class PermanentJobError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PermanentJobError';
  }
}

export function isSwitchyardError(err: unknown): err is SwitchyardError {
  return err instanceof SwitchyardError;
}

/**
 * The store (Redis) cannot be reached right now (a restart, a failover): the request was refused
 * before it changed anything, so trying again once it is back is safe.
 */
export class UnavailableError extends SwitchyardError {
  constructor() {
    super('upstream', 'Storage (Redis) is unavailable: nothing was changed. Try again in a moment.');
  }
}
