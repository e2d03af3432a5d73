import { mention } from '../../core/outbound.js';
import { ABORT, type Store } from '../../core/ports/store.js';
import type { StageOutcomeDone } from '../contracts.js';
import type { Verdict } from './types.js';

/**
 * A failed inspection blocks its run behind a gate in Redis until an eligible approver overrides
 * it (with a reason) or someone fails the run. The decision is taken once, atomically; settling
 * it on the run (resolveWaitingStage, notes, message) is a retried job.
 */
export interface GateDoc {
  runId: string;
  stageId: string;
  /** `closed`: the run ended (cancelled) while the gate waited. */
  status: 'waiting' | 'overridden' | 'failed' | 'closed';
  verdict: Verdict;
  summary: string;
  details: Record<string, unknown>;
  openedAt: number;
  decision?: { by: string; reason?: string; at: number };
  settled?: boolean;
}

export class GateStore {
  constructor(private readonly store: Store) {}

  private key(runId: string, stageId: string): string {
    return this.store.key('inspect', 'gate', runId, stageId);
  }

  get(runId: string, stageId: string): Promise<GateDoc | null> {
    return this.store.getJson<GateDoc>(this.key(runId, stageId));
  }

  /** Creates the gate unless one exists; returns the gate as stored. */
  async open(doc: GateDoc): Promise<GateDoc> {
    await this.store.setJson(this.key(doc.runId, doc.stageId), doc, { onlyIfAbsent: true });
    return (await this.get(doc.runId, doc.stageId)) ?? doc;
  }

  /** Decides a waiting gate; null when it was already decided (or does not exist). */
  async decide(
    runId: string,
    stageId: string,
    status: 'overridden' | 'failed' | 'closed',
    decision: { by: string; reason?: string; at: number },
  ): Promise<GateDoc | null> {
    let won = false as boolean;
    const after = await this.store.update<GateDoc>(this.key(runId, stageId), (cur) => {
      won = false;
      if (!cur || cur.status !== 'waiting') return ABORT;
      won = true;
      return { ...cur, status, decision };
    });
    return won ? after : null;
  }

  async markSettled(runId: string, stageId: string): Promise<void> {
    await this.store.update<GateDoc>(this.key(runId, stageId), (cur) => (cur ? { ...cur, settled: true } : ABORT));
  }
}

/** What the stage resolves to once the gate is decided. */
export function outcomeOf(g: GateDoc): StageOutcomeDone {
  const d = g.decision;
  if (g.status === 'overridden') {
    return {
      status: 'succeeded',
      summary: `${g.summary} · overridden by ${mention(d?.by ?? '?')}`,
      details: { ...g.details, override: { by: d?.by, reason: d?.reason, at: d?.at } },
    };
  }
  return { status: 'failed', summary: `${g.summary} · run failed by ${mention(d?.by ?? '?')}`, details: { ...g.details, failedBy: d?.by } };
}
