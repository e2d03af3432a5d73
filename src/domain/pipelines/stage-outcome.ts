import { RateLimitedError } from '../../core/errors.js';
import { ABORT } from '../../core/ports/store.js';
import { formatDuration } from '../../core/time.js';
import type { StageOutcome } from '../contracts.js';
import type { RunDoc, StageState } from './model.js';
import { isPermanent, safeMessage } from './stage-settings.js';

/** Why a stage stopped before its kind returned an outcome (none: it returned one, or threw). */
export type StopReason = 'cancel' | 'timeout' | 'shutdown' | 'lease-lost';

/** Applies `fn` to a stage only while it is still the generation (and phase) the caller owns. */
export function patchStage(
  d: RunDoc,
  stageId: string,
  gen: number,
  phase: 'queued' | 'executing',
  fn: (s: StageState) => StageState,
): RunDoc | typeof ABORT {
  const i = d.stages.findIndex((s) => s.id === stageId);
  const s = d.stages[i];
  if (!s || s.gen !== gen || s.status !== 'running' || s.phase !== phase) return ABORT;
  const stages = [...d.stages];
  stages[i] = fn(s);
  return { ...d, stages };
}

/** A queued stage claimed by a worker: executing, its attempt counted (not when it resumes from a checkpoint). */
export function startStage(s: StageState, now: number): StageState {
  return {
    ...s,
    phase: 'executing',
    attempt: s.carryAttempt ? Math.max(1, s.attempt) : s.attempt + 1,
    carryAttempt: undefined,
    startedAt: s.startedAt ?? now,
  };
}

/**
 * What an attempt's end makes of a stage, as a pure step: finished (with its outcome, cancelled or
 * timed out), waiting (a gate), or queued again after a backoff (`retryIn` > 0) while attempts
 * remain and the error is not permanent. Error text is masked and bounded by safeMessage.
 */
export function settleStage(
  s: StageState,
  o: { why: StopReason | undefined; outcome: StageOutcome | undefined; error: unknown; secrets: ReadonlySet<string>; now: number },
): { stage: StageState; retryIn: number } {
  const { why, outcome, error, now } = o;
  const done = { phase: undefined, finishedAt: now, checkpoint: undefined };
  const finished = (stage: StageState) => ({ stage, retryIn: 0 });
  if (why === 'cancel') return finished({ ...s, ...done, status: 'cancelled', summary: 'cancelled' });
  if (why === 'timeout') return finished({ ...s, ...done, status: 'failed', summary: `timed out after ${formatDuration(s.timeoutMs)}` });
  if (outcome?.status === 'waiting') {
    if (s.resolution) return finished({ ...s, ...done, ...s.resolution, resolution: undefined });
    return finished({ ...s, status: 'waiting', phase: undefined, ...(outcome.summary ? { summary: outcome.summary } : {}) });
  }
  if (outcome) {
    return finished({
      ...s,
      ...done,
      status: outcome.status,
      summary: outcome.summary,
      link: outcome.link ?? s.link,
      details: outcome.details,
    });
  }
  const message = safeMessage(error, o.secrets);
  if (error instanceof RateLimitedError) {
    // The backend said wait (Slack's Retry-After): the same attempt runs again once that has passed.
    const retryIn = Math.max(1, error.retryAfterMs);
    const summary = `${message}; trying again in ${formatDuration(retryIn)} (not a failed attempt)`;
    return { stage: { ...s, phase: 'queued', gen: s.gen + 1, queuedAt: now + retryIn, carryAttempt: true, summary }, retryIn };
  }
  if (!isPermanent(error) && s.attempt < s.maxAttempts) {
    const retryIn = s.backoffMs * 2 ** (s.attempt - 1);
    const summary = `attempt ${s.attempt} of ${s.maxAttempts} failed: ${message}; retrying in ${formatDuration(retryIn)}`;
    return { stage: { ...s, phase: 'queued', gen: s.gen + 1, queuedAt: now + retryIn, summary }, retryIn };
  }
  const summary = s.maxAttempts > 1 && !isPermanent(error) ? `${message} (after ${s.attempt} attempts)` : message;
  return finished({ ...s, ...done, status: 'failed', summary });
}
