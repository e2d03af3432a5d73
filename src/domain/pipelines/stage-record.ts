import type { Logger } from '../../core/ports/runtime.js';
import { ABORT } from '../../core/ports/store.js';
import type { StageOutcome } from '../contracts.js';
import type { Announcer } from './announce.js';
import { isTerminal, type RunDoc, type StageState } from './model.js';
import { step, type Orchestrator, type Stepped } from './orchestrator.js';
import { maskSecrets } from './placeholders.js';
import { logBlock, safeMrkdwn } from './run-text.js';
import type { RunRepo } from './repo.js';
import type { StageLease } from './stage-lease.js';
import { patchStage, settleStage, startStage, type StopReason } from './stage-outcome.js';

/** How an attempt ended, as the executor saw it. */
export interface AttemptEnd {
  doc: RunDoc;
  stage: StageState;
  owner: string;
  lease: StageLease;
  why: StopReason | undefined;
  outcome: StageOutcome | undefined;
  error: unknown;
  secrets: Set<string>;
  /** The attempt's log lines being stored: the outcome is written only once they are. */
  logged: Promise<void>;
}

/** A stage this worker started in the same write that recorded its predecessor: run it now. */
export interface Successor {
  doc: RunDoc;
  stage: StageState;
  owner: string;
}

export interface RecorderDeps {
  repo: RunRepo;
  orch: Orchestrator;
  announce: Announcer;
  leaseMs: number;
  /** This worker's lease token prefix (owner = `<token>-<gen>`). */
  token: string;
  log: Logger;
}

/**
 * Records the end of a stage attempt and advances the run in one write (Orchestrator.settle).
 * When this worker may take more work (`mayContinue`), the stage that end lets start is started in
 * that same write too, under a lease claimed first, and handed back to run here: a sequential
 * pipeline goes from stage to stage without a queue round trip per stage. Its state is the one a
 * stage job's claim writes (executing, under this worker's lease), so a worker that dies before
 * running it is found as any dead worker is: the lease lapses and the watchdog takes the stage over.
 * Other stages the write starts (a fan-out) are enqueued as jobs for any worker.
 */
export async function recordAttempt(d: RecorderDeps, end: AttemptEnd, now: number, mayContinue: boolean): Promise<Successor | null> {
  const { doc, stage } = end;
  let retryIn = 0;
  const change = (x: RunDoc) =>
    patchStage(x, stage.id, stage.gen, 'executing', (s) => {
      const next = settleStage(s, { why: end.why, outcome: end.outcome, error: end.error, secrets: end.secrets, now });
      retryIn = next.retryIn;
      return next.stage;
    });
  // Claiming is only an optimisation: when the store does not take it (an outage), the successor
  // simply goes to the queue; a claim that did land unseen runs out after a lease.
  const claiming = mayContinue ? claimSuccessor(d, doc, change, now).catch(() => null) : Promise.resolve(null);
  const [logged, claimed] = await Promise.allSettled([end.logged, claiming]);
  const successor = claimed.status === 'fulfilled' ? claimed.value : null;
  if (logged.status === 'rejected') {
    if (successor) await d.repo.releaseLease(doc.id, successor.stageId, successor.owner).catch(() => undefined);
    throw logged.reason;
  }
  return settle(d, end, now, change, successor, () => retryIn);
}

/** The write, then what it lets happen: leases released, a thread note, the next stages enqueued or run here. */
async function settle(
  d: RecorderDeps,
  end: AttemptEnd,
  now: number,
  change: (x: RunDoc) => RunDoc | typeof ABORT,
  claimed: { stageId: string; gen: number; owner: string } | null,
  retryDelay: () => number,
): Promise<Successor | null> {
  const { doc, stage, owner, lease } = end;
  const inline = claimed ? { stageId: claimed.stageId, gen: claimed.gen, start: (s: StageState) => startStage(s, now) } : undefined;
  // The outcome is kept until the store takes it (a Redis restart or failover): giving up here
  // would let the lease lapse and the watchdog run the stage again or fail it as "worker stopped".
  const written = await lease.untilStored(() => d.orch.settle(doc.id, change, now, inline), 'stage outcome');
  const retryIn = retryDelay();
  const stepped = landed(written, stage, now, retryIn, claimed);
  lease.stop();
  const released = Promise.all([
    d.repo.releaseLease(doc.id, stage.id, owner),
    claimed && !stepped.inlined ? d.repo.releaseLease(doc.id, claimed.stageId, claimed.owner) : undefined,
  ]);
  const after = stepped.doc;
  const s = after?.stages.find((x) => x.id === stage.id);
  if (after && s && stepped.applied) {
    let note = '';
    if (retryIn > 0 && s.gen === stage.gen + 1 && s.status === 'running') {
      await d.orch.enqueueStage(after, s, retryIn);
      note = `:repeat: *${s.id}*: ${safeMrkdwn(s.summary ?? '')}`;
    } else if (s.status === 'failed') {
      note = `:x: *${s.id}* failed: ${safeMrkdwn(s.summary ?? '')}\n${logBlock(await d.repo.log(doc.id, s.id, 15))}`;
    } else if (s.status === 'waiting') {
      note = `:hourglass_flowing_sand: *${s.id}* is waiting${s.summary ? `: ${safeMrkdwn(s.summary)}` : ''}`;
    }
    if (note) await d.announce.thread(after, `${s.id}-g${stage.gen}-${s.status}`, maskSecrets(note, end.secrets));
  }
  await d.orch.proceed(stepped);
  // Not waited for by what follows (the successor starts at once): a release that fails only lets
  // the lease run out, and the stage is no longer executing, so nobody takes it over.
  void released.catch((err: Error) => d.log.warn({ runId: doc.id, stageId: stage.id, err: err.message }, 'stage lease release failed'));
  return after && stepped.inlined && claimed ? { doc: after, stage: stepped.inlined, owner: claimed.owner } : null;
}

/**
 * The stage the write is expected to start, from the run as this worker last wrote it, with its
 * lease claimed before the write (so it is never seen executing without one). A guess: the write
 * starts it only if the step really does, at that generation.
 */
async function claimSuccessor(
  d: RecorderDeps,
  doc: RunDoc,
  change: (x: RunDoc) => RunDoc | typeof ABORT,
  now: number,
): Promise<{ stageId: string; gen: number; owner: string } | null> {
  const settled = change(doc);
  if (settled === ABORT || isTerminal(settled) || settled.cancelRequested) return null;
  const next = step(settled, now);
  const s = next?.stages.find((x, i) => x.status === 'running' && x.phase === 'queued' && settled.stages[i]!.status === 'pending');
  if (!s) return null;
  const owner = `${d.token}-${s.gen}`;
  return (await d.repo.claimLease(doc.id, s.id, owner, d.leaseMs)) ? { stageId: s.id, gen: s.gen, owner } : null;
}

/**
 * A write retried after a failure whose reply was lost may find it was applied the first time:
 * the stage then carries this attempt's marks (finished at `now`, waiting at its generation, or
 * queued again for `now + retryIn`), the stages that write enqueued are those queued at `now`, and
 * the one it started here is executing since `now`. Job ids make enqueuing them again idempotent.
 */
function landed(
  stepped: Stepped,
  stage: StageState,
  now: number,
  retryIn: number,
  claimed: { stageId: string; gen: number } | null,
): Stepped {
  const { doc } = stepped;
  const s = doc?.stages.find((x) => x.id === stage.id);
  if (stepped.applied || !doc || !s) return stepped;
  const ours =
    (s.gen === stage.gen && (s.status === 'waiting' || (s.status !== 'running' && s.finishedAt === now))) ||
    (retryIn > 0 && s.gen === stage.gen + 1 && s.queuedAt === now + retryIn);
  if (!ours) return stepped;
  const toStart = doc.stages.filter((x) => x.id !== stage.id && x.status === 'running' && x.phase === 'queued' && x.queuedAt === now);
  const inlined = claimed
    ? doc.stages.find((x) => x.id === claimed.stageId && x.gen === claimed.gen && x.phase === 'executing' && x.startedAt === now)
    : undefined;
  return { doc, toStart, ended: isTerminal(doc), applied: true, ...(inlined ? { inlined } : {}) };
}
