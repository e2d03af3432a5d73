import { z } from 'zod';
import type { AppContext } from '../../core/module.js';
import { defineJob, enqueueJob } from '../../core/ports/jobs.js';
import { ABORT } from '../../core/ports/store.js';
import { EVENTS, type RunFinishedEvent, type RunStatus, type StageOutcomeDone } from '../contracts.js';
import type { Announcer } from './announce.js';
import { stopSummary, type GuardStop, type RunGuards } from './guards.js';
import type { DeployLock } from './lock.js';
import type { StageProcesses } from './ports.js';
import { isTerminal, satisfies, stageJobId, type RunDoc, type StageState } from './model.js';
import type { RunRepo } from './repo.js';
import { RunRefresher } from './run-refresh.js';
import { mention } from '../../core/outbound.js';

export const STAGE_JOB = 'pipeline.stage';
/** A stage job: which run and stage, fenced by the generation it was enqueued for. */
export const STAGE = defineJob(STAGE_JOB, z.object({ runId: z.string().min(1), stageId: z.string().min(1), gen: z.number().int().min(0) }));

/** A run written by `settle`: the stages the step started, and whether it ended the run. */
export interface Stepped {
  doc: RunDoc | null;
  toStart: StageState[];
  ended: boolean;
  applied: boolean;
  /** The stage started in this write for the caller to run itself (see `settle`'s `inline`). */
  inlined?: StageState;
}

/**
 * Drives runs forward. `advance` looks at a run's stages and starts every stage whose needs are
 * met (a DAG: independent stages run in parallel), skips what can no longer run, and ends the run
 * when nothing is left. It is idempotent and safe to call from anywhere at any time (a stage
 * finished, a gate resolved, the watchdog): the run document is changed atomically and stage jobs
 * have ids fenced by the stage's generation, so a repeat call changes and enqueues nothing.
 */
export class Orchestrator {
  private readonly refresher: RunRefresher;

  constructor(
    private readonly ctx: Pick<AppContext, 'jobs' | 'events' | 'clock' | 'log'>,
    private readonly repo: RunRepo,
    private readonly lock: DeployLock,
    private readonly announce: Announcer,
    private readonly procs?: StageProcesses,
    private readonly guards?: RunGuards,
  ) {
    this.refresher = new RunRefresher((doc) => this.announce.refresh(doc));
  }

  async advance(runId: string): Promise<RunDoc | null> {
    const stepped = await this.settle(runId, null);
    await this.proceed(stepped);
    return stepped.doc;
  }

  /**
   * One atomic write of the run: `change` (a stage's end; null for none), then the orchestration
   * step on the result, so a stage's outcome and the stages it lets start are recorded together.
   * Nothing is enqueued or announced here (`proceed` does it), so a write the store did not take
   * can be tried again as it is. `applied` says whether `change` was written (false: it aborted,
   * and the step ran on the run as it was). `now` stamps what the step starts (queuedAt).
   */
  async settle(
    runId: string,
    change: ((d: RunDoc) => RunDoc | typeof ABORT) | null,
    now = this.ctx.clock.now(),
    inline?: { stageId: string; gen: number; start: (s: StageState) => StageState },
  ): Promise<Stepped> {
    let toStart: StageState[] = [];
    let ended = false;
    let applied = false;
    let inlined: StageState | undefined;
    const doc = await this.repo.update(runId, (d) => {
      toStart = [];
      ended = false;
      inlined = undefined;
      const changed = change ? change(d) : ABORT;
      applied = changed !== ABORT;
      const base = changed === ABORT ? d : changed;
      const keep = applied ? base : ABORT;
      if (isTerminal(base) || base.status === 'queued') return keep;
      const next = step(base, now);
      if (!next) return keep;
      toStart = next.stages.filter((s, i) => s.status === 'running' && s.phase === 'queued' && base.stages[i]!.status === 'pending');
      ended = isTerminal(next);
      // The caller claimed this one's lease and runs it itself: it is written as started, not queued.
      const mine = inline && toStart.find((s) => s.id === inline.stageId && s.gen === inline.gen);
      if (mine) {
        inlined = inline.start(mine);
        next.stages[next.stages.indexOf(mine)] = inlined;
        toStart = toStart.filter((s) => s !== mine);
      }
      return next;
    });
    return { doc, toStart, ended, applied, ...(inlined ? { inlined } : {}) };
  }

  /** What follows a settled write: the stages it started are enqueued, an ended run is finalized, the message refreshed. */
  async proceed({ doc, toStart, ended, applied }: Stepped): Promise<void> {
    if (!doc) return;
    for (const s of toStart) await this.enqueueStage(doc, s);
    if (ended) await this.finalize(doc);
    else if (applied || toStart.length || doc.status !== 'running') await this.refresh(doc);
  }

  /** The run's message shows `doc`, coalesced per run (RunRefresher): at most one edit per interval. */
  refresh(doc: RunDoc): Promise<void> {
    return this.refresher.refresh(doc);
  }

  /** Sends the refreshes still waiting for their interval (a stopping worker). */
  flushRefreshes(): Promise<void> {
    return this.refresher.flushAll();
  }

  async enqueueStage(doc: RunDoc, s: StageState, delayMs = 0): Promise<void> {
    await enqueueJob(
      this.ctx.jobs,
      STAGE,
      { runId: doc.id, stageId: s.id, gen: s.gen },
      { id: stageJobId(doc.id, s.id, s.gen), ...(delayMs > 0 ? { delayMs } : {}) },
    );
  }

  /** The lock is held: the run starts now (a run that waited in the queue asks the guards again). */
  async start(runId: string): Promise<void> {
    const queued = this.guards ? await this.repo.get(runId) : null;
    if (queued?.status === 'queued' && queued.queuedBehind) {
      const stop = await this.guards!.check(queued, 'promoted');
      if (stop) return this.stopQueued(queued, stop);
    }
    const now = this.ctx.clock.now();
    const doc = await this.repo.update(runId, (d) => (d.status === 'queued' ? { ...d, status: 'running', startedAt: now } : ABORT));
    if (!doc || doc.status !== 'running') return;
    await this.ctx.events.publish(EVENTS.runStarted, doc.id, {
      runId: doc.id,
      pipeline: doc.pipeline,
      service: doc.service,
      env: doc.env,
      ref: doc.ref,
      triggeredBy: doc.triggeredBy,
      ...(doc.fixIncident ? { fixIncident: doc.fixIncident } : {}),
    });
    if (doc.queuedBehind)
      await this.announce.thread(
        doc,
        'dequeued',
        `:arrow_forward: ${doc.queuedBehind} finished: the deploy lock for ${doc.service}/${doc.env} is ours, starting.`,
      );
    await this.advance(doc.id);
  }

  /** A queued run a guard refuses when it is handed the lock ends there, saying why. */
  private async stopQueued(queued: RunDoc, stop: GuardStop): Promise<void> {
    const now = this.ctx.clock.now();
    const summary = stopSummary(stop);
    const doc = await this.repo.update(queued.id, (d) => {
      if (d.status !== 'queued') return ABORT;
      const stages = d.stages.map((s) =>
        s.status === 'pending' ? { ...s, status: 'skipped' as const, skip: 'upstream' as const, summary: `not run: ${summary}` } : s,
      );
      return { ...d, stages, status: 'failed', finishedAt: now, reason: summary };
    });
    if (!doc || doc.status !== 'failed') return;
    await this.guards!.announceStop(this.announce, doc, stop, 'promoted');
    await this.finalize(doc);
  }

  /** A gate was approved: the guards are asked again before the run goes on past it. */
  async guardApproval(runId: string, stageId: string, outcome: StageOutcomeDone): Promise<StageOutcomeDone> {
    if (outcome.status !== 'succeeded' || !this.guards) return outcome;
    const doc = await this.repo.get(runId);
    if (!doc || isTerminal(doc) || doc.cancelRequested) return outcome;
    const stop = await this.guards.check(doc, 'approved', stageId);
    if (!stop) return outcome;
    await this.guards.announceStop(this.announce, doc, stop, 'approved', stageId);
    return { ...outcome, status: 'failed', summary: `${outcome.summary ?? 'approved'}, but ${stopSummary(stop)}` };
  }

  /**
   * Everything that follows the end of a run, each step idempotent (so the watchdog can repeat it
   * after a crash): release the lock, start the next queued run, tell people, publish the event.
   * While a command the run started may still be running (its worker was killed and its process
   * group lives on), the lock stays held: the run stays in the watchdog's care, which finalizes
   * it again once the command is known dead (reaped, or past a deadline beyond its timeout).
   */
  async finalize(doc: RunDoc): Promise<void> {
    const lingering = (await this.procs?.mayRun(doc.id)) ?? false;
    if (lingering) {
      await this.announce.thread(
        doc,
        'lock-held',
        `:hourglass_flowing_sand: A command this run started may still be running (its worker stopped): ` +
          `the deploy lock for ${doc.service}/${doc.env} stays held until it is known to have ended.`,
      );
    } else {
      await this.lock.release(doc.service, doc.env, doc.id);
      await this.lock.dequeue(doc.service, doc.env, doc.id);
    }
    await this.refresher.now(doc);
    await this.announce.final(doc);
    const event: RunFinishedEvent = {
      runId: doc.id,
      pipeline: doc.pipeline,
      service: doc.service,
      env: doc.env,
      ref: doc.ref,
      status: doc.status,
      triggeredBy: doc.triggeredBy,
      ...(doc.fixIncident ? { fixIncident: doc.fixIncident } : {}),
    };
    await this.ctx.events.publish(EVENTS.runFinished, doc.id, { ...event });
    if (lingering) return;
    await this.repo.markFinished(doc.id);
    await this.promote(doc.service, doc.env);
  }

  /** Gives a free lock to the oldest queued run of that service and environment. */
  async promote(service: string, env: string): Promise<void> {
    for (const id of await this.lock.queued(service, env)) {
      const next = await this.repo.get(id);
      if (!next || next.status !== 'queued') {
        await this.lock.dequeue(service, env, id);
        continue;
      }
      await this.releaseIfStale(service, env);
      const holder = await this.lock.acquire(service, env, id, this.ctx.clock.now());
      if (holder !== id) return;
      await this.lock.dequeue(service, env, id);
      await this.start(id);
      return;
    }
  }

  /** A lock whose holder has ended (or vanished) is released: the end of every run frees it. */
  async releaseIfStale(service: string, env: string): Promise<string | null> {
    const holder = await this.lock.holder(service, env);
    if (!holder) return null;
    const run = await this.repo.get(holder);
    if (run && !isTerminal(run)) return holder;
    if (await this.procs?.mayRun(holder)) return holder;
    await this.lock.release(service, env, holder);
    return null;
  }
}

/**
 * One orchestration step on a copy of the run, or null when nothing changes. Fail fast: once a
 * stage failed (or a cancel was asked), no new stage starts; running ones finish or are stopped.
 */
export function step(d: RunDoc, now: number): RunDoc | null {
  const stages = d.stages.map((s) => ({ ...s }));
  const byId = new Map(stages.map((s) => [s.id, s]));
  let changed = false;
  const set = (s: StageState, patch: Partial<StageState>) => {
    Object.assign(s, patch);
    changed = true;
  };
  const cancelling = Boolean(d.cancelRequested);
  const broken = stages.find((s) => s.status === 'failed' || s.status === 'cancelled');
  for (const s of stages) {
    if (cancelling && (s.status === 'pending' || s.status === 'waiting' || (s.status === 'running' && s.phase === 'queued'))) {
      set(s, {
        status: 'cancelled',
        finishedAt: now,
        summary: s.status === 'pending' ? 'not run: cancelled' : 'cancelled',
        phase: undefined,
      });
      continue;
    }
    if (s.status !== 'pending') continue;
    const deps = s.needs.map((n) => byId.get(n)!);
    const blocked = deps.find((x) => DEAD.has(x.status) && !satisfies(x));
    if (blocked || broken) {
      set(s, {
        status: 'skipped',
        skip: 'upstream',
        summary:
          `not run: ${(blocked ?? broken)!.id} ` +
          `${(blocked ?? broken)!.status === 'skipped' ? 'did not run' : (blocked ?? broken)!.status}`,
      });
    } else if (deps.every(satisfies)) {
      set(s, { status: 'running', phase: 'queued', gen: s.gen + 1, queuedAt: now });
    }
  }
  // Pending stages left now wait on a running or waiting one, so those two decide the status.
  const running = stages.some((s) => s.status === 'running');
  const waiting = stages.some((s) => s.status === 'waiting');
  const pending = stages.some((s) => s.status === 'pending');
  let status: RunStatus = running ? 'running' : waiting ? 'waiting' : 'running';
  let reason = d.reason;
  let finishedAt = d.finishedAt;
  if (!running && !waiting && !pending) {
    const failed = stages.find((s) => s.status === 'failed');
    status = cancelling ? 'cancelled' : failed || stages.some((s) => s.status === 'cancelled') ? 'failed' : 'succeeded';
    finishedAt = now;
    if (cancelling) reason = `cancelled by ${mention(d.cancelRequested!.by)}`;
    else if (failed) reason = `stage ${failed.id} failed${failed.summary ? `: ${failed.summary}` : ''}`;
  }
  if (!changed && status === d.status) return null;
  return { ...d, stages, status, ...(reason !== undefined ? { reason } : {}), ...(finishedAt !== undefined ? { finishedAt } : {}) };
}

const DEAD = new Set(['failed', 'cancelled', 'skipped']);
