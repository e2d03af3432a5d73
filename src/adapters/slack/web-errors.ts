import { ErrorCode, type WebAPICallError } from '@slack/web-api';
import { ConflictError, UpstreamError } from '../../core/errors.js';

/** Slack Web API failures as data: rate limits, platform errors (`data.error`), transport errors. */
export interface SlackFailure {
  kind: 'rate_limited' | 'platform' | 'transport';
  error: string;
  retryAfterMs?: number;
}

export function classify(err: unknown): SlackFailure {
  const e = err as WebAPICallError & { retryAfter?: number; data?: { error?: string }; statusCode?: number };
  if (e?.code === ErrorCode.RateLimitedError) return { kind: 'rate_limited', error: 'ratelimited', retryAfterMs: Math.max(1, e.retryAfter ?? 1) * 1000 };
  if (e?.code === ErrorCode.PlatformError) return { kind: 'platform', error: e.data?.error ?? 'unknown_error' };
  if (e?.code === ErrorCode.HTTPError) return { kind: 'transport', error: `http_${e.statusCode ?? 'error'}` };
  return { kind: 'transport', error: (e as Error)?.message?.slice(0, 120) ?? 'request_failed' };
}

/** Platform errors that will fail the same way on every retry. */
const PERMANENT = new Set([
  'channel_not_found',
  'not_in_channel',
  'is_archived',
  'invalid_blocks',
  'invalid_blocks_format',
  'msg_too_long',
  'no_text',
  'message_not_found',
  'cant_update_message',
  'invalid_auth',
  'not_authed',
  'account_inactive',
  'token_revoked',
  'missing_scope',
  'user_not_found',
  'users_not_found',
  'no_such_subteam',
  'invalid_name_specials',
  'invalid_name_maxlength',
  'invalid_name_required',
  'invalid_name',
  'restricted_action',
]);

export function isPermanent(f: SlackFailure): boolean {
  return f.kind === 'platform' && PERMANENT.has(f.error);
}

/** Domain-facing error for a failed direct call. */
export function toDomainError(method: string, f: SlackFailure, cause: unknown): Error {
  if (f.error === 'name_taken') return new ConflictError('name_taken');
  return new UpstreamError('Slack', `${method} failed: ${f.error}`, { retryable: !isPermanent(f), cause });
}
