import type { AppContext } from '../../core/module.js';
import { isTerminal, type RunDoc, type StageState } from './model.js';
import type { Announcer } from './announce.js';
import { safeMrkdwn } from './run-text.js';
import { patchStage } from './executor.js';
import type { DeployLock } from './lock.js';
import type { Orchestrator } from './orchestrator.js';
import type { StageProcesses } from './ports.js';
import type { RunRepo } from './repo.js';

export const WATCHDOG_JOB = 'pipeline.watchdog';
const MAX_RESUMES = 5;
/**
 * After the store was away, how much longer than a lease a lapsed lease is not taken as a dead
 * worker: the other processes' connections come back up to 3 s apart (the reconnect delay's cap,
 * adapters/redis/connection.ts), then their heartbeat (a third of a lease) claims the lease again.
 */
const OUTAGE_MARGIN_MS = 5000;

/**
 * Looks after unfinished runs: at worker start-up and then every few seconds (a job scheduler,
 * so any live worker does it). It takes over stages whose worker stopped or died (its lease is
 * gone): a CI stage resumes following the same remote run from its checkpoint; any other stage
 * runs again if it has attempts left, or fails saying its worker was lost. It re-enqueues stage
 * jobs lost between a state change and the enqueue, repeats the end-of-run steps a crash may have
 * cut short (lock release, announcements, event) and hands free locks to queued runs. First it
 * kills commands that workers of this host started and died without ending (kill -9, OOM); a
 * stage whose command may still run is not taken over, and its run keeps the deploy lock.
 */
export class Watchdog {
  constructor(
    private readonly ctx: Pick<AppContext, 'clock' | 'log' | 'store'>,
    private readonly repo: RunRepo,
    private readonly lock: DeployLock,
    private readonly orch: Orchestrator,
    private readonly announce: Announcer,
    /** `leaseMs`: the executor's stage lease (15 s when left out). */
    private readonly opts: { requeueAfterMs: number; leaseMs?: number },
    private readonly procs?: StageProcesses,
  ) {}

  async sweep(): Promise<number> {
    let touched = 0;
    try {
      touched += (await this.procs?.reap()) ?? 0;
    } catch (err) {
      this.ctx.log.error({ err: (err as Error).message }, 'reaping orphaned stage commands failed');
    }
    for (const id of await this.repo.activeIds()) {
      try {
        if (await this.recoverRun(id)) touched++;
      } catch (err) {
        this.ctx.log.error({ runId: id, err: (err as Error).message }, 'pipeline watchdog failed on a run');
      }
    }
    return touched;
  }

  private async recoverRun(id: string): Promise<boolean> {
    const doc = await this.repo.get(id);
    if (!doc) {
      await this.repo.markFinished(id);
      return true;
    }
    if (isTerminal(doc)) {
      await this.orch.finalize(doc);
      return true;
    }
    if (doc.status === 'queued') {
      const holder = await this.orch.releaseIfStale(doc.service, doc.env);
      if (holder === doc.id) {
        // It got the lock and the process stopped before starting it: nobody else ever would.
        await this.lock.dequeue(doc.service, doc.env, doc.id);
        await this.orch.start(doc.id);
        return true;
      }
      await this.lock.enqueue(doc.service, doc.env, doc.id, doc.createdAt);
      if (!holder) await this.orch.promote(doc.service, doc.env);
      return false;
    }
    const holder = await this.lock.acquire(doc.service, doc.env, doc.id, this.ctx.clock.now());
    if (holder !== doc.id) this.ctx.log.error({ runId: doc.id, holder }, 'running run does not hold its deploy lock');
    let touched = false;
    // A lease lapses when nobody can renew it, and nobody can while the store is away: a lapse
    // seen within a lease (plus a margin) of an outage says nothing about the worker, which
    // claims its lease again (executor heartbeat) once its connection is back.
    const outage = this.ctx.store.health?.().unavailableWithin((this.opts.leaseMs ?? 15_000) + OUTAGE_MARGIN_MS) ?? false;
    for (const s of doc.stages) {
      if (s.status !== 'running') continue;
      if (s.phase === 'executing' && !(await this.repo.leaseHeld(doc.id, s.id))) {
        if (outage) {
          this.ctx.log.info(
            { runId: doc.id, stageId: s.id },
            'stage lease lapsed around a storage outage: giving its worker time to claim it again',
          );
          continue;
        }
        // Its worker is gone, but the command it started may not be: running the stage again, or
        // failing it (which ends the run and frees the lock), waits until that command is dead.
        if (await this.procs?.mayRun(doc.id, s.id)) {
          this.ctx.log.warn(
            { runId: doc.id, stageId: s.id },
            'stage worker gone but its command may still run: waiting before taking it over',
          );
          continue;
        }
        await this.takeOver(doc, s);
        touched = true;
      } else if (s.phase === 'queued' && this.ctx.clock.now() - (s.queuedAt ?? 0) > this.opts.requeueAfterMs) {
        await this.requeue(doc, s);
        touched = true;
      }
    }
    await this.orch.advance(doc.id);
    return touched;
  }

  /** The stage's worker is gone (stopped or crashed): resume, run again, or fail, and say which. */
  private async takeOver(doc: RunDoc, stage: StageState): Promise<void> {
    const now = this.ctx.clock.now();
    const after = await this.repo.update(doc.id, (d) =>
      patchStage(d, stage.id, stage.gen, 'executing', (s) => {
        const resumed = (s.resumed ?? 0) + 1;
        if (d.cancelRequested)
          return { ...s, status: 'cancelled', phase: undefined, finishedAt: now, summary: 'cancelled (its worker had stopped)' };
        if (s.checkpoint && resumed <= MAX_RESUMES) {
          return {
            ...s,
            phase: 'queued',
            gen: s.gen + 1,
            queuedAt: now,
            carryAttempt: true,
            resumed,
            summary: 'its worker stopped; resumed by another worker, following the same remote run',
          };
        }
        if (s.attempt < s.maxAttempts) {
          return {
            ...s,
            phase: 'queued',
            gen: s.gen + 1,
            queuedAt: now,
            resumed,
            summary: `its worker stopped during attempt ${s.attempt}; running it again (attempt ${s.attempt + 1} of ${s.maxAttempts})`,
          };
        }
        return {
          ...s,
          status: 'failed',
          phase: undefined,
          finishedAt: now,
          checkpoint: undefined,
          resumed,
          summary:
            `its worker stopped during attempt ${s.attempt} of ${s.maxAttempts}; ` +
            `not run again automatically (use /pipeline retry ${d.id} --from ${s.id})`,
        };
      }),
    );
    const s = after?.stages.find((x) => x.id === stage.id);
    if (!after || !s || (s.gen === stage.gen && s.status === 'running')) return;
    const icon = s.status === 'running' ? ':arrows_counterclockwise:' : s.status === 'failed' ? ':x:' : ':no_entry_sign:';
    await this.announce.thread(after, `${s.id}-g${stage.gen}-takeover`, `${icon} *${s.id}*: ${safeMrkdwn(s.summary ?? '')}`);
    if (s.status === 'running') await this.orch.enqueueStage(after, s);
    const advanced = await this.orch.advance(doc.id);
    if (!advanced || !isTerminal(advanced)) await this.orch.refresh(advanced ?? after);
  }

  /** A stage marked queued whose job never ran (lost between the change and the enqueue). */
  private async requeue(doc: RunDoc, stage: StageState): Promise<void> {
    const now = this.ctx.clock.now();
    const after = await this.repo.update(doc.id, (d) =>
      patchStage(d, stage.id, stage.gen, 'queued', (s) => ({ ...s, gen: s.gen + 1, queuedAt: now })),
    );
    const s = after?.stages.find((x) => x.id === stage.id);
    if (after && s && s.gen === stage.gen + 1) await this.orch.enqueueStage(after, s);
  }
}
