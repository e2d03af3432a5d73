import { ErrorCode, type WebAPICallError } from '@slack/web-api';
import { ConflictError, UpstreamError } from '../../core/errors.js';

/** Slack Web API failures as data: rate limits, platform errors (`data.error`), transport errors. */
export interface SlackFailure {
  kind: 'rate_limited' | 'platform' | 'transport';
  error: string;
  retryAfterMs?: number;
  /** conversations.invite with `force`: the users Slack refused, each with its reason. */
  userErrors?: Array<{ user: string; error: string }>;
}

export function classify(err: unknown): SlackFailure {
  const e = err as WebAPICallError & { retryAfter?: number; data?: { error?: string; errors?: unknown }; statusCode?: number };
  if (e?.code === ErrorCode.RateLimitedError)
    return { kind: 'rate_limited', error: 'ratelimited', retryAfterMs: Math.max(1, e.retryAfter ?? 1) * 1000 };
  if (e?.code === ErrorCode.PlatformError) {
    const userErrors = perUserErrors(e.data?.errors);
    return { kind: 'platform', error: e.data?.error ?? 'unknown_error', ...(userErrors.length ? { userErrors } : {}) };
  }
  if (e?.code === ErrorCode.HTTPError) return { kind: 'transport', error: `http_${e.statusCode ?? 'error'}` };
  return { kind: 'transport', error: (e as Error)?.message?.slice(0, 120) ?? 'request_failed' };
}

/** `errors: [{user, ok:false, error}]` as Slack lists them after a forced invite. */
export function perUserErrors(raw: unknown): Array<{ user: string; error: string }> {
  if (!Array.isArray(raw)) return [];
  return raw.flatMap((x: { user?: unknown; error?: unknown }) =>
    typeof x?.user === 'string' && typeof x.error === 'string' ? [{ user: x.user, error: x.error }] : [],
  );
}

/**
 * Platform errors worth trying again: Slack's own transient failures. Every other platform error
 * (missing_scope, not_in_channel, channel_not_found, is_archived, invalid_auth, a refused user...)
 * fails the same way on every retry, so retrying one only stalls the flow that made the call.
 */
const RETRYABLE = new Set([
  'ratelimited',
  'rate_limited',
  'internal_error',
  'fatal_error',
  'service_unavailable',
  'request_timeout',
  'team_added_to_org',
]);

/** Rate limits and transport failures (network, HTTP 5xx) are retryable; so are the codes above. */
export function isRetryable(f: SlackFailure): boolean {
  return f.kind !== 'platform' || RETRYABLE.has(f.error);
}

export function isPermanent(f: SlackFailure): boolean {
  return !isRetryable(f);
}

/**
 * conversations.invite refusals that concern one invitee, not the channel or the token: a
 * single-channel guest already in their channel, a departed or deactivated user, a guest the
 * workspace will not let the bot invite. Slack refuses the whole call for any of them unless
 * `force` is set; the others can still be invited.
 */
const INVITEE_ERRORS = new Set([
  'ura_max_channels',
  'user_not_found',
  'user_is_restricted',
  'user_is_ultra_restricted',
  'user_disabled',
  'cant_invite',
  'invitee_cant_see_channel',
  'no_external_invite_permission',
  'already_in_channel',
  'cant_invite_self',
]);

export function isInviteeError(error: string): boolean {
  return INVITEE_ERRORS.has(error);
}

/** Domain-facing error for a failed direct call. */
export function toDomainError(method: string, f: SlackFailure, cause: unknown): Error {
  if (f.error === 'name_taken') return new ConflictError('name_taken');
  return new UpstreamError('Slack', `${method} failed: ${f.error}`, { retryable: isRetryable(f), cause });
}
