import type { RunInfo, RunStatus, StageStatus } from '../contracts.js';
import type { JsonValue } from '../../core/ports/jobs.js';

/**
 * A run as stored in Redis: the public RunInfo plus what the orchestrator needs to resume it
 * after a restart. Nothing here ever holds a secret value: settings are stored with their
 * placeholders, injected values live only in memory while their stage runs.
 */
export interface StageState {
  id: string;
  kind: string;
  name?: string;
  status: StageStatus;
  summary?: string;
  link?: string;
  startedAt?: number;
  finishedAt?: number;
  details?: Record<string, unknown>;
  needs: string[];
  /** The stage's `with:` as written (placeholders unresolved, so never a secret), fixed at run creation. */
  with: Record<string, unknown>;
  /** 1-based attempt now running (0 before the first). */
  attempt: number;
  maxAttempts: number;
  backoffMs: number;
  timeoutMs: number;
  /** Bumped every time the stage is (re)started: job ids, leases and results are fenced by it. */
  gen: number;
  /** While `running`: still in the queue, or claimed by a worker that holds the lease. */
  phase?: 'queued' | 'executing';
  queuedAt?: number;
  /** Backend progress (e.g. the CI run id) so a restarted worker resumes instead of starting over. */
  checkpoint?: { [key: string]: JsonValue };
  /**
   * Why a `skipped` stage did not run: kept from the retried run, not for this env, upstream failed,
   * or a build stage of a promotion (the promoted run built what this one deploys).
   */
  skip?: 'reused' | 'not-for-env' | 'upstream' | 'promoted';
  /** Set by a recovery that resumes from a checkpoint: the next claim does not count an attempt. */
  carryAttempt?: boolean;
  /** A gate decided before the executor recorded `waiting`: applied as soon as it does. */
  resolution?: { status: 'succeeded' | 'failed'; summary?: string; link?: string; details?: Record<string, unknown> };
  /** How many times the stage was taken over after its worker stopped or died. */
  resumed?: number;
}

export interface RunDoc extends RunInfo {
  stages: StageState[];
  retryOf?: string;
  requestKey?: string;
  cancelRequested?: { by: string; at: number };
  /** The run holding the deploy lock when this one was queued. */
  queuedBehind?: string;
  overrideReason?: string;
  /** Why the run ended, in one line (failed stage, cancel, lost worker). */
  reason?: string;
  /** Set by `/pipeline promote`: the run whose ref and build this one deploys (its build stages skipped). */
  promotedFrom?: string;
}

export const TERMINAL_RUN: ReadonlySet<RunStatus> = new Set(['succeeded', 'failed', 'cancelled']);
export const DONE_STAGE: ReadonlySet<StageStatus> = new Set(['succeeded', 'failed', 'cancelled', 'skipped']);

export const isTerminal = (r: Pick<RunInfo, 'status'>): boolean => TERMINAL_RUN.has(r.status);

const SATISFIED_SKIPS: ReadonlySet<StageState['skip']> = new Set(['reused', 'not-for-env', 'promoted']);

/** A stage that lets its dependents go on: succeeded, or skipped because it was reused, not for this env or promoted. */
export function satisfies(s: StageState): boolean {
  return s.status === 'succeeded' || (s.status === 'skipped' && SATISFIED_SKIPS.has(s.skip));
}

export const stageJobId = (runId: string, stageId: string, gen: number): string => `st-${runId}-${stageId}-g${gen}`;

/** Strips orchestration internals: what other capabilities and the UI get. */
export function toRunInfo(doc: RunDoc): RunInfo {
  const { retryOf: _r, requestKey: _k, cancelRequested: _c, queuedBehind: _q, overrideReason: _o, reason: _w, ...info } = doc;
  return {
    ...info,
    stages: doc.stages.map((s) => ({
      id: s.id,
      kind: s.kind,
      status: s.status,
      ...(s.summary !== undefined ? { summary: s.summary } : {}),
      ...(s.link !== undefined ? { link: s.link } : {}),
      ...(s.startedAt !== undefined ? { startedAt: s.startedAt } : {}),
      ...(s.finishedAt !== undefined ? { finishedAt: s.finishedAt } : {}),
      ...(s.details !== undefined ? { details: s.details } : {}),
    })),
  };
}
