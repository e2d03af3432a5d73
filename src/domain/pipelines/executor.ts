import { randomUUID } from 'node:crypto';
import type { AppContext } from '../../core/module.js';
import { jobProcessor, type JobContext, type JobProcessor } from '../../core/ports/jobs.js';
import { ABORT } from '../../core/ports/store.js';
import { formatDuration } from '../../core/time.js';
import type { StageKind, StageOutcome } from '../contracts.js';
import type { Announcer } from './announce.js';
import { stopSummary, type GuardStop, type RunGuards } from './guards.js';
import type { BuiltinStageContext } from './kinds/common.js';
import { isTerminal, toRunInfo, type RunDoc, type StageState } from './model.js';
import { STAGE, type Orchestrator } from './orchestrator.js';
import { maskSecrets } from './placeholders.js';
import type { RunRepo } from './repo.js';
import { maskDeep, resolveStageSettings, safeMessage } from './stage-settings.js';
import { StageLease } from './stage-lease.js';
import { patchStage, startStage, type StopReason } from './stage-outcome.js';
import { recordAttempt } from './stage-record.js';
import { untilAborted, within } from './waits.js';

export { patchStage } from './stage-outcome.js';

export interface ExecutorOptions {
  /** Stage lease: renewed every third of it while the stage runs; a dead worker's lease expires. */
  leaseMs: number;
  /** Stages one process runs at once; more wait in the queue. */
  maxInflight: number;
}

/** How long an interrupted stage's work gets to end (the shell runner's kill grace is 2 s). */
const STOP_SETTLE_MS = 5000;
/** Log lines kept in memory while the store is away; beyond that the oldest are dropped (and said so). */
const MAX_UNFLUSHED_LINES = 5000;

/** A guard refused the stage before it started: it fails with the guard's reason. */
class GuardStopped extends Error {
  constructor(readonly stop: GuardStop) {
    super(stopSummary(stop));
  }
}

type Why = StopReason;
class Interrupt extends Error {
  constructor(readonly why: Why) {
    super(`stage interrupted: ${why}`);
  }
}

/**
 * Runs stages. The `pipeline.stage` job claims the stage (a lease in Redis, so two workers never
 * run it at once), starts it and returns; the stage then runs in this process while a heartbeat
 * renews the lease and watches for a cancel. The job does not hold a BullMQ worker slot for the
 * minutes a deploy takes, so a stopping bot is not held up: it interrupts its stages, which the
 * next worker resumes (CI stages from their checkpoint) or fails, saying which. Attempts and
 * backoff per kind are applied here: a failed attempt re-enqueues the stage job with a delay.
 */
export class StageExecutor {
  private readonly inflight = new Map<string, { controller: AbortController; done: Promise<void> }>();
  private readonly token = randomUUID().slice(0, 8);
  private stopping = false;

  constructor(
    private readonly ctx: Pick<AppContext, 'jobs' | 'services' | 'clock' | 'log' | 'secrets' | 'store'>,
    private readonly repo: RunRepo,
    private readonly orch: Orchestrator,
    private readonly announce: Announcer,
    private readonly kinds: () => Map<string, StageKind>,
    private readonly opts: ExecutorOptions,
    private readonly guards?: RunGuards,
  ) {}

  processor(): JobProcessor {
    return jobProcessor(STAGE, { attempts: 5, backoffMs: 500, concurrency: 10, process: (data, jc) => this.launch(data, jc) });
  }

  /** Stops local work on a cancel at once (other workers notice on their next heartbeat). */
  interruptLocal(runId: string): void {
    for (const [key, e] of this.inflight) if (key.startsWith(`${runId}/`)) e.controller.abort(new Interrupt('cancel'));
  }

  /**
   * Drains: takes no new stage (the job workers are closed first, and `launch` defers), lets the
   * running ones finish within `graceMs`, and only then interrupts what is left, as a restart did
   * before: the next worker takes those over. A rolling restart within the grace fails no deploy.
   */
  async stop(graceMs = 0): Promise<void> {
    this.stopping = true;
    const settled = () => Promise.allSettled([...this.inflight.values()].map((e) => e.done));
    if (graceMs > 0 && this.inflight.size) {
      this.ctx.log.info({ stages: [...this.inflight.keys()], graceMs }, 'draining: letting running stages finish');
      await within(settled(), graceMs);
      if (this.inflight.size) this.ctx.log.warn({ stages: [...this.inflight.keys()] }, 'shutdown grace over: interrupting running stages');
    }
    for (const e of this.inflight.values()) e.controller.abort(new Interrupt('shutdown'));
    await within(settled(), 10_000);
    // Coalesced message refreshes still waiting for their interval go out before the process ends.
    await within(this.orch.flushRefreshes(), 5_000);
  }

  /**
   * Claims the stage (its lease first, so the watchdog never sees it executing without one), then
   * marks it executing in the same write that checks it is still this generation, queued.
   */
  private async launch(data: { runId: string; stageId: string; gen: number }, jc: JobContext): Promise<string> {
    if (this.stopping || this.inflight.size >= this.opts.maxInflight) await jc.defer(250);
    const { runId, stageId, gen } = data;
    const owner = `${this.token}-${gen}`;
    if (!(await this.repo.claimLease(runId, stageId, owner, this.opts.leaseMs))) {
      // Held by another worker: a duplicate of this job runs, or a stale job of an earlier
      // generation holds it for a moment. Only in the second case is this job still wanted.
      const s = (await this.repo.get(runId))?.stages.find((x) => x.id === stageId);
      if (s?.gen === gen && s.status === 'running' && s.phase === 'queued') await jc.defer(250);
      return 'busy';
    }
    const now = this.ctx.clock.now();
    let claimed = false;
    const doc = await this.repo.update(runId, (d) => {
      const next = isTerminal(d) ? ABORT : patchStage(d, stageId, gen, 'queued', (s) => startStage(s, now));
      claimed = next !== ABORT;
      return next;
    });
    const stage = doc?.stages.find((s) => s.id === stageId);
    if (!claimed || !doc || !stage) {
      await this.repo.releaseLease(runId, stageId, owner);
      return 'stale';
    }
    await this.begin(doc, stage, owner);
    return 'started';
  }

  /** Runs a stage this worker claimed (executing, under its lease) in the background. */
  private async begin(doc: RunDoc, stage: StageState, owner: string): Promise<void> {
    await this.orch.refresh(doc);
    const controller = new AbortController();
    const key = `${doc.id}/${stage.id}`;
    const done = this.execute(doc, stage, owner, controller)
      .catch((err: Error) => this.ctx.log.error({ runId: doc.id, stageId: stage.id, err: err.message }, 'stage bookkeeping failed'))
      .finally(() => this.inflight.delete(key));
    this.inflight.set(key, { controller, done });
    // Claimed by a stage that ended while this worker began to stop: it is interrupted like the
    // others (recorded as such, lease released) and the next worker takes it over.
    if (this.stopping) controller.abort(new Interrupt('shutdown'));
  }

  private async execute(doc: RunDoc, stage: StageState, owner: string, controller: AbortController): Promise<void> {
    const secrets = new Set<string>();
    let buffer: string[] = [];
    // Lines that could not be written (the store is away) are kept, in order, for the next flush.
    const flush = async () => {
      if (!buffer.length) return;
      const lines = buffer;
      buffer = [];
      try {
        await this.repo.appendLog(doc.id, stage.id, lines);
      } catch (err) {
        buffer = [...lines, ...buffer];
        if (buffer.length > MAX_UNFLUSHED_LINES)
          buffer = ['[earlier lines dropped: storage was unavailable]', ...buffer.slice(-MAX_UNFLUSHED_LINES)];
        throw err;
      }
    };
    const storeUp = () => this.ctx.store.health?.().available() !== false;
    const log = async (line: string) => {
      const stamp = new Date(this.ctx.clock.now()).toISOString().slice(11, 19);
      buffer.push(
        ...maskSecrets(line, secrets)
          .split('\n')
          .map((l) => `[${stamp}] ${l}`),
      );
      // A stage's work never fails because its log could not be written: the lines wait.
      if (buffer.length >= 50 && storeUp()) await flush().catch(() => undefined);
    };
    const flusher = setInterval(() => void (storeUp() ? flush().catch(() => undefined) : undefined), 250);
    // The lease is kept until the outcome is recorded (not only while the work runs), so a result
    // waiting for the store is not mistaken for a dead worker's.
    const lease = new StageLease(
      { repo: this.repo, store: this.ctx.store, log: this.ctx.log, leaseMs: this.opts.leaseMs },
      { runId: doc.id, stageId: stage.id, gen: stage.gen, owner },
      {
        lost: () => controller.abort(new Interrupt('lease-lost')),
        cancelRequested: () => {
          if (!controller.signal.aborted) controller.abort(new Interrupt('cancel'));
        },
      },
    );
    try {
      await this.runAndRecord(doc, stage, owner, controller, lease, { log, flush, secrets });
    } finally {
      lease.stop();
      clearInterval(flusher);
    }
  }

  private async runAndRecord(
    doc: RunDoc,
    stage: StageState,
    owner: string,
    controller: AbortController,
    lease: StageLease,
    io: { log: (line: string) => Promise<void>; flush: () => Promise<void>; secrets: Set<string> },
  ): Promise<void> {
    const { signal } = controller;
    const { log, flush, secrets } = io;
    const timer = setTimeout(() => controller.abort(new Interrupt('timeout')), stage.timeoutMs);
    let checkpoint = stage.checkpoint;
    let outcome: StageOutcome | undefined;
    let error: unknown;
    const kind = this.kinds().get(stage.kind);
    let sctx: BuiltinStageContext | undefined;
    let running: Promise<StageOutcome> | undefined;
    try {
      await log(
        `${stage.id} (${stage.kind}) attempt ${stage.attempt} of ${stage.maxAttempts}` +
          `${stage.resumed ? `, resumed after its worker stopped` : ''}`,
      );
      if (!kind)
        throw Object.assign(new Error(`stage kind ${stage.kind} is not available in this deployment`), { name: 'PermanentJobError' });
      const stop = await this.guardStage(doc, stage);
      if (stop) throw new GuardStopped(stop);
      const resolved = await resolveStageSettings(this.ctx, doc, stage, log);
      resolved.secrets.forEach((x) => secrets.add(x));
      // The outbound boundary masks them too, whatever path a value takes to Slack.
      this.ctx.secrets.remember(resolved.secrets);
      sctx = {
        run: toRunInfo(doc),
        stage: { id: stage.id, kind: stage.kind, attempt: stage.attempt },
        settings: resolved.settings,
        secrets,
        log,
        signal,
        timeoutMs: stage.timeoutMs,
        setLink: async (url) => {
          const after = await this.repo.update(doc.id, (d) =>
            patchStage(d, stage.id, stage.gen, 'executing', (s) => ({ ...s, link: url })),
          );
          if (after) await this.orch.refresh(after);
        },
        checkpoint: {
          get: () => checkpoint,
          save: async (value) => {
            checkpoint = value;
            await this.repo.update(doc.id, (d) => patchStage(d, stage.id, stage.gen, 'executing', (s) => ({ ...s, checkpoint: value })));
          },
        },
      };
      // Stopped before its work began (a cancel, or a stopping worker): the kind is never started.
      signal.throwIfAborted();
      running = kind.run(sctx);
      outcome = await untilAborted(running, signal);
    } catch (err) {
      if (err instanceof GuardStopped) {
        outcome = { status: 'failed', summary: err.message };
        await log(err.message);
      } else error = err;
    } finally {
      clearTimeout(timer);
    }
    const why = signal.aborted && signal.reason instanceof Interrupt ? signal.reason.why : undefined;
    if ((why === 'cancel' || why === 'timeout') && kind?.cancel && sctx) {
      await untilAborted(kind.cancel(sctx), AbortSignal.timeout(10_000)).catch((err: Error) =>
        log(`cancelling the remote job failed: ${safeMessage(err, secrets)}`),
      );
    }
    // An interrupted kind is told through the signal; its command is killed (process group,
    // SIGTERM then SIGKILL). Wait for that before recording, so the stage never ends (and the
    // lock is never freed) while its command still runs.
    if (why && running)
      await within(
        running.catch(() => undefined),
        STOP_SETTLE_MS,
      );
    if (why)
      await log(
        why === 'timeout'
          ? `timed out after ${formatDuration(stage.timeoutMs)}`
          : why === 'cancel'
            ? 'cancelled'
            : why === 'shutdown'
              ? 'interrupted: this worker is stopping'
              : 'lease lost: another worker took over',
      );
    else if (error) await log(`error: ${safeMessage(error, secrets)}`);
    if (why === 'lease-lost') return void (await flush().catch(() => undefined));
    // The log is stored before the outcome (recordAttempt waits for it, claiming the successor's lease meanwhile).
    const logged = lease.untilStored(flush, 'stage log');
    if (why === 'shutdown') {
      await logged;
      const after = await this.repo.update(doc.id, (d) =>
        patchStage(d, stage.id, stage.gen, 'executing', (s) => ({
          ...s,
          summary: 'interrupted: the bot stopped while it ran; the next worker takes it over',
        })),
      );
      await this.repo.releaseLease(doc.id, stage.id, owner);
      if (after) await this.orch.refresh(after);
      return;
    }
    const next = await recordAttempt(
      { repo: this.repo, orch: this.orch, announce: this.announce, leaseMs: this.opts.leaseMs, token: this.token, log: this.ctx.log },
      { doc, stage, owner, lease, why, outcome: outcome && maskDeep(outcome, secrets), error, secrets, logged },
      this.ctx.clock.now(),
      // One more stage here (the one it lets start, if any) while this worker takes work.
      !this.stopping && this.inflight.size < this.opts.maxInflight,
    );
    if (next) await this.begin(next.doc, next.stage, next.owner);
  }

  /**
   * A deploying stage (one that needs another: the gate and what follows it) asks the guards
   * before it starts. A stage resuming a remote run it already started is not stopped halfway.
   */
  private async guardStage(doc: RunDoc, stage: StageState): Promise<GuardStop | null> {
    if (!this.guards || !stage.needs.length || stage.checkpoint) return null;
    const stop = await this.guards.check(doc, 'stage', stage.id);
    if (stop) await this.guards.announceStop(this.announce, doc, stop, 'stage', stage.id);
    return stop;
  }
}
