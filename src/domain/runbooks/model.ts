import type { Condition, RunbookDef, StepDef, StepResult } from './schema.js';
import { stepKind } from './schema.js';

/**
 * A runbook run as kept in Redis. It holds the definition it started with (a file changed or
 * reloaded meanwhile does not change a run under way), the file's hash and commit as evidence,
 * and every step's state: who did what, when, with which note, value or reason.
 */
export type StepStatus =
  /** Not reached yet. */
  | 'pending'
  /** The current step, waiting on a person (Done/Skip, or Run for a confirmed step). */
  | 'ready'
  /** Automated: its job is queued or running. */
  | 'running'
  /** A pipeline run it started is under way. */
  | 'waiting'
  | 'done'
  | 'succeeded'
  | 'failed'
  | 'skipped';

export interface StepState {
  id: string;
  status: StepStatus;
  /** Bumped each time the step is started, so a stale job or button does nothing. */
  gen: number;
  startedAt?: number;
  finishedAt?: number;
  /** Who pressed Done, Skip or Run (a user id); `switchyard` for what ran on its own. */
  by?: string;
  note?: string;
  value?: string;
  /** Skip reason, or why a condition skipped it. */
  reason?: string;
  /** Outcome line of an automated or pipeline step (secrets masked). */
  summary?: string;
  link?: string;
  pipelineRunId?: string;
  /** Last lines of an automated step's log (secrets masked). */
  log?: string[];
  /** Built-in CI kinds resume their remote run from here after a restart. */
  checkpoint?: Record<string, unknown>;
}

export type RunbookRunStatus = 'running' | 'completed' | 'failed';

export interface RunbookRun {
  id: string;
  runbook: string;
  def: RunbookDef;
  file: string;
  hash: string;
  /** Commit of the runbooks folder when it is a git checkout. */
  commit?: string;
  env?: string;
  incident?: string;
  channel: string;
  messageKey: string;
  startedBy: string;
  createdAt: number;
  finishedAt?: number;
  status: RunbookRunStatus;
  steps: StepState[];
}

export const FINISHED: readonly StepStatus[] = ['done', 'succeeded', 'failed', 'skipped'];

export function isFinished(s: StepState): boolean {
  return FINISHED.includes(s.status);
}

function resultOf(s: StepState): StepResult | null {
  return s.status === 'done' || s.status === 'skipped' || s.status === 'succeeded' || s.status === 'failed' ? s.status : null;
}

/** Whether a step's condition holds, given the earlier steps' states. */
export function conditionHolds(c: Condition, steps: readonly StepState[]): boolean {
  const ref = steps.find((s) => s.id === c.step);
  const result = ref ? resultOf(ref) : null;
  if (!ref || !result) return false;
  if (c.result !== undefined) {
    const wanted = Array.isArray(c.result) ? c.result : [c.result];
    if (!wanted.includes(result)) return false;
  }
  if (c.value) {
    if (ref.value === undefined) return false;
    if (c.value.equals !== undefined && ref.value.trim().toLowerCase() !== c.value.equals.trim().toLowerCase()) return false;
    const n = Number(ref.value);
    if (c.value.above !== undefined && !(Number.isFinite(n) && n > c.value.above)) return false;
    if (c.value.below !== undefined && !(Number.isFinite(n) && n < c.value.below)) return false;
  }
  return true;
}

export function describeCondition(c: Condition): string {
  const parts: string[] = [];
  if (c.result !== undefined) parts.push(`${c.step} ${(Array.isArray(c.result) ? c.result : [c.result]).join(' or ')}`);
  if (c.value?.equals !== undefined) parts.push(`${c.step} value = ${c.value.equals}`);
  if (c.value?.above !== undefined) parts.push(`${c.step} value > ${c.value.above}`);
  if (c.value?.below !== undefined) parts.push(`${c.step} value < ${c.value.below}`);
  return parts.join(' and ');
}

/** What the run does next, decided from its state alone (no I/O): see advance() in service.ts. */
export type NextMove =
  { kind: 'finish'; status: RunbookRunStatus } | { kind: 'wait' } | { kind: 'ready'; index: number } | { kind: 'start'; index: number };

/**
 * One pure step of the run: skips the pending steps whose condition does not hold (with the
 * reason), and says what the first remaining one needs. A failed step that may not fail ends the run.
 */
export function plan(run: RunbookRun, now: number): { steps: StepState[]; move: NextMove } {
  const steps = run.steps.map((s) => ({ ...s }));
  for (let i = 0; i < steps.length; i++) {
    const s = steps[i]!;
    const def = run.def.steps[i]!;
    if (s.status === 'failed' && !def.continue_on_failure) return { steps, move: { kind: 'finish', status: 'failed' } };
    if (isFinished(s)) continue;
    if (s.status !== 'pending') return { steps, move: { kind: 'wait' } };
    if (def.when && !conditionHolds(def.when, steps)) {
      steps[i] = {
        ...s,
        status: 'skipped',
        by: 'switchyard',
        reason: `condition not met: ${describeCondition(def.when)}`,
        finishedAt: now,
      };
      continue;
    }
    return { steps, move: needsPerson(def) ? { kind: 'ready', index: i } : { kind: 'start', index: i } };
  }
  return { steps, move: { kind: 'finish', status: 'completed' } };
}

/** Manual steps and confirmed ones wait for a press; the others start on their own. */
export function needsPerson(def: StepDef): boolean {
  return stepKind(def) === 'manual' || def.confirm;
}

/** The step a person can act on now, if any. */
export function currentStep(run: RunbookRun): { def: StepDef; state: StepState; index: number } | null {
  const index = run.steps.findIndex((s) => !isFinished(s) && s.status !== 'pending');
  return index < 0 ? null : { def: run.def.steps[index]!, state: run.steps[index]!, index };
}
