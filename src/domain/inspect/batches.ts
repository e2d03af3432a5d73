import { ABORT, type Store } from '../../core/ports/store.js';
import type { FindingBatch } from '../contracts.js';
import { isAccepted, type FindingRecord, type FindingStore } from './finding-store.js';
import { bySeverityDesc } from './types.js';

/**
 * A scan batch: the findings one inspection newly saw on one service. It is announced as one
 * channel post and becomes one plan item, so an image scan with dozens of highs is one message and
 * one backlog entry, not dozens. `rev` grows with every change of the batch (a finding announced,
 * fixed, accepted, expired), so each change is published as its own event and a redelivery of the
 * same change is the same event.
 */
export interface ScanBatch {
  id: string;
  inspector: string;
  env: string;
  service: string;
  channel?: string;
  at: number;
  findingIds: string[];
  rev: number;
}

export class BatchStore {
  constructor(
    private readonly store: Store,
    private readonly findings: FindingStore,
  ) {}

  private batchKey(id: string): string {
    return this.store.key('inspect', 'scan', id);
  }

  get(id: string): Promise<ScanBatch | null> {
    return this.store.getJson<ScanBatch>(this.batchKey(id));
  }

  /** Adds findings to a batch (creating it); `rev` moves only when a finding was not there yet. */
  async add(head: Omit<ScanBatch, 'findingIds' | 'rev'>, ids: readonly string[]): Promise<ScanBatch> {
    const after = await this.store.update<ScanBatch>(this.batchKey(head.id), (cur) => {
      const base = cur ?? { ...head, findingIds: [], rev: 0 };
      const fresh = ids.filter((id) => !base.findingIds.includes(id));
      if (cur && !fresh.length) return ABORT;
      return { ...base, findingIds: [...base.findingIds, ...fresh], rev: base.rev + 1 };
    });
    return after!;
  }

  /** Marks a change of the batch's findings (fixed, accepted, expired); returns the new rev. */
  async bump(id: string): Promise<ScanBatch | null> {
    return this.store.update<ScanBatch>(this.batchKey(id), (cur) => (cur ? { ...cur, rev: cur.rev + 1 } : ABORT));
  }

  /** The batch's findings as they are now, worst first. */
  async records(batch: ScanBatch): Promise<FindingRecord[]> {
    const all = await Promise.all(batch.findingIds.map((id) => this.findings.get(id)));
    return all.filter((r): r is FindingRecord => r !== null).sort((a, b) => bySeverityDesc({ ...a, id: a.ruleId }, { ...b, id: b.ruleId }));
  }

  /** What the plan sees of a batch (the `findings` service); a finding that came back later belongs to its newer batch. */
  async snapshot(id: string, now: number): Promise<FindingBatch | null> {
    const batch = await this.get(id);
    if (!batch) return null;
    const records = (await this.records(batch)).filter((r) => r.scan === batch.id);
    return {
      scanId: batch.id,
      inspector: batch.inspector,
      env: batch.env,
      service: batch.service,
      findings: records.map((r) => ({
        findingId: r.id,
        ruleId: r.ruleId,
        severity: r.severity,
        title: r.title,
        state: r.status === 'fixed' ? 'fixed' : isAccepted(r, now) ? 'accepted' : 'open',
        ...(r.url ? { url: r.url } : {}),
      })),
    };
  }
}
