import type { Logger } from '../../core/ports/runtime.js';
import type { Store } from '../../core/ports/store.js';
import type { RunRepo } from './repo.js';

/**
 * How long a finished stage keeps its outcome waiting for the store (a Redis restart or failover
 * takes seconds). The lease is kept (claimed again if it lapsed) all that time, so the watchdog does
 * not take the stage over; past this the process gives up and the watchdog decides as for a dead worker.
 */
const RECORD_PATIENCE_MS = 10 * 60_000;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export interface StageLeaseDeps {
  repo: RunRepo;
  store: Pick<Store, 'health'>;
  log: Logger;
  leaseMs: number;
}

/**
 * A worker's hold on one stage generation, from its start until its outcome is recorded (not only
 * while its work runs), so a result waiting for the store is not mistaken for a dead worker's.
 * Renewed every third of a lease. While the store is away nobody can renew it, so it may lapse:
 * once the store is back and nobody else claimed it, the worker claims it again; the stage
 * document then tells whether the stage is still the generation it runs (the watchdog bumps it
 * when it takes a stage over), else `onLost` stops the work.
 */
export class StageLease {
  /** Set once another worker owns the stage: nothing of this generation may be written any more. */
  lost = false;
  private busy = false;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly deps: StageLeaseDeps,
    private readonly ids: { runId: string; stageId: string; gen: number; owner: string },
    private readonly on: { lost(): void; cancelRequested(): void },
  ) {
    this.timer = setInterval(() => void this.beat(), Math.max(20, Math.floor(deps.leaseMs / 3)));
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /**
   * Runs a write until the store takes it. While the store is away nothing is sent (commands would
   * only queue behind a dead connection); once it is back the write is tried, and a failure is
   * retried with backoff. Gives up only when another worker owns the stage or after RECORD_PATIENCE_MS.
   */
  async untilStored<T>(write: () => Promise<T>, what: string): Promise<T> {
    const { runId, stageId } = this.ids;
    const deadline = Date.now() + RECORD_PATIENCE_MS;
    let delay = 100;
    for (let attempt = 1; ; attempt++) {
      let failure: unknown = new Error(`${what}: storage unavailable`);
      if (this.storeUp()) {
        try {
          return await write();
        } catch (err) {
          failure = err;
          if (attempt === 1 || attempt % 20 === 0)
            this.deps.log.warn(
              { runId, stageId, what, attempt, err: (err as Error).message },
              'stage write failed: retrying until storage takes it',
            );
        }
      }
      if (this.lost || Date.now() > deadline) throw failure;
      await sleep(delay);
      delay = Math.min(delay * 2, 1000);
    }
  }

  private storeUp(): boolean {
    return this.deps.store.health?.().available() !== false;
  }

  private async beat(): Promise<void> {
    const { repo, leaseMs, log } = this.deps;
    const { runId, stageId, gen, owner } = this.ids;
    if (this.lost || this.busy || !this.storeUp()) return;
    this.busy = true;
    try {
      let held = await repo.renewLease(runId, stageId, owner, leaseMs);
      if (!held && (held = await repo.claimLease(runId, stageId, owner, leaseMs)))
        log.warn({ runId, stageId }, 'stage lease had lapsed (storage was away?) and nobody took it: claimed again');
      const current = held ? await repo.get(runId) : null;
      const s = current?.stages.find((x) => x.id === stageId);
      if (!held || !s || s.gen !== gen) {
        if (held) await repo.releaseLease(runId, stageId, owner);
        this.lost = true;
        this.on.lost();
      } else if (current?.cancelRequested) this.on.cancelRequested();
    } catch (err) {
      log.warn({ runId, stageId, err: (err as Error).message }, 'stage heartbeat failed');
    } finally {
      this.busy = false;
    }
  }
}
