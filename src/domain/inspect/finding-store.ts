import { createHash } from 'node:crypto';
import { ABORT, type Store } from '../../core/ports/store.js';
import type { Finding, Severity } from './types.js';

/**
 * Landing-zone findings kept in Redis by fingerprint, so the same problem seen by many scheduled
 * runs is one finding: announced when it opens, marked fixed when a run covering it no longer sees
 * it, reopened if it comes back. People accept a finding's risk until an expiry (`/inspect ack`).
 */
export type FindingStatus = 'open' | 'fixed';

export interface FindingRecord {
  id: string;
  fingerprint: string;
  inspector: string;
  env: string;
  service: string;
  ruleId: string;
  severity: Severity;
  title: string;
  location?: string;
  fix?: string;
  /** Where the advisory or rule is explained (from the report; untrusted, checked before it is linked). */
  url?: string;
  /** The scan batch (one service, one inspection) the finding was announced in; its post and plan item. */
  scan?: string;
  status: FindingStatus;
  firstSeen: number;
  lastSeen: number;
  fixedAt?: number;
  /** Channel the finding is announced in (the owning team's). */
  channel?: string;
  /** Set once the announcement (its batch post and findingsChanged event) went out. */
  announced?: boolean;
  accepted?: { by: string; reason: string; at: number; until: number; expiryNoted?: boolean };
}

export interface ObservedFinding {
  service: string;
  finding: Finding;
  channel?: string;
}

export interface ReconcileResult {
  opened: FindingRecord[];
  reopened: FindingRecord[];
  seen: FindingRecord[];
  fixed: FindingRecord[];
}

/** One service seen by one inspection: the unit of a channel post and of a plan item. */
export function scanIdOf(inspector: string, env: string, service: string, at: number): string {
  return `s-${createHash('sha256')
    .update([inspector, env, service, String(at)].join('\u0000'))
    .digest('hex')
    .slice(0, 10)}`;
}

export function fingerprintOf(inspector: string, env: string, service: string, f: Finding): string {
  return createHash('sha256')
    .update([inspector, env, service, f.id, f.key ?? f.location ?? f.title].join('\u0000'))
    .digest('hex');
}

/** Short, stable, typeable: `f-` and 10 hex digits of the fingerprint. */
export const findingIdOf = (fingerprint: string): string => `f-${fingerprint.slice(0, 10)}`;

export function isAccepted(r: FindingRecord, now: number): boolean {
  return Boolean(r.accepted && r.accepted.until > now);
}

export class FindingStore {
  constructor(private readonly store: Store) {}

  private recordKey(id: string): string {
    return this.store.key('inspect', 'finding', id);
  }

  private indexKey(): string {
    return this.store.key('inspect', 'findings');
  }

  private openKey(inspector: string, env: string): string {
    return this.store.key('inspect', 'open', inspector, env);
  }

  async get(id: string): Promise<FindingRecord | null> {
    return this.store.getJson<FindingRecord>(this.recordKey(id));
  }

  /** Newest first (by first sighting), at most `limit`. */
  async list(filter: { service?: string; env?: string; openOnly?: boolean; now: number; limit?: number }): Promise<FindingRecord[]> {
    const ids = await this.store.zRange(this.indexKey(), { rev: true, limit: 2000 });
    const records = (await this.store.getManyJson<FindingRecord>(ids.map((i) => this.recordKey(i.member)))).filter(
      (r): r is FindingRecord => r !== null,
    );
    return records
      .filter((r) => (!filter.service || r.service === filter.service) && (!filter.env || r.env === filter.env))
      .filter((r) => (!filter.openOnly ? true : r.status === 'open' && !isAccepted(r, filter.now)))
      .slice(0, filter.limit ?? 50);
  }

  /**
   * Folds one inspection's observations into the store. `covered` lists the services the
   * inspection really looked at: only their open findings that were not seen again become fixed
   * (a service whose scan failed keeps its findings open).
   */
  async reconcile(
    scope: { inspector: string; env: string; covered: ReadonlySet<string> },
    observed: readonly ObservedFinding[],
    now: number,
  ): Promise<ReconcileResult> {
    const out: ReconcileResult = { opened: [], reopened: [], seen: [], fixed: [] };
    const seenIds = new Set<string>();
    for (const o of observed) {
      const fingerprint = fingerprintOf(scope.inspector, scope.env, o.service, o.finding);
      const id = findingIdOf(fingerprint);
      if (seenIds.has(id)) continue;
      seenIds.add(id);
      let before = 'new' as FindingStatus | 'new';
      // A new or returning finding joins this inspection's batch for its service; one still open
      // keeps the batch it was announced in (a retried job finds it unannounced, in the same batch).
      const scan = scanIdOf(scope.inspector, scope.env, o.service, now);
      const rec = await this.store.update<FindingRecord>(this.recordKey(id), (cur) => {
        before = cur ? cur.status : 'new';
        const f = o.finding;
        const base: FindingRecord = cur ?? {
          id,
          fingerprint,
          inspector: scope.inspector,
          env: scope.env,
          service: o.service,
          ruleId: f.id,
          severity: f.severity,
          title: f.title,
          status: 'open',
          firstSeen: now,
          lastSeen: now,
          ...(o.channel ? { channel: o.channel } : {}),
        };
        const { fixedAt: _fixedAt, announced, ...rest } = base;
        const returning = !cur || cur.status === 'fixed' || (!cur.scan && !cur.announced);
        return {
          ...rest,
          ...(returning ? { scan } : announced ? { announced } : {}),
          severity: f.severity,
          title: f.title,
          ...(f.location ? { location: f.location } : {}),
          ...(f.fix ? { fix: f.fix } : {}),
          ...(f.url ? { url: f.url } : {}),
          status: 'open',
          lastSeen: now,
        };
      });
      if (!rec) continue;
      await this.store.setAdd(this.openKey(scope.inspector, scope.env), id);
      if (before === 'new') {
        await this.store.zAdd(this.indexKey(), now, id);
        out.opened.push(rec);
      } else if (before === 'fixed') out.reopened.push(rec);
      else out.seen.push(rec);
    }
    const openIds = await this.store.setMembers(this.openKey(scope.inspector, scope.env));
    for (const id of openIds) {
      if (seenIds.has(id)) continue;
      let changed = false as boolean;
      const rec = await this.store.update<FindingRecord>(this.recordKey(id), (cur) => {
        changed = false;
        if (!cur || cur.status !== 'open' || !scope.covered.has(cur.service)) return ABORT;
        changed = true;
        return { ...cur, status: 'fixed', fixedAt: now };
      });
      if (!rec || rec.status !== 'open') await this.store.setRemove(this.openKey(scope.inspector, scope.env), id);
      if (rec && changed) out.fixed.push(rec);
    }
    return out;
  }

  /** Accepts the risk until `until`; returns the record as it now is. */
  async accept(id: string, a: { by: string; reason: string; at: number; until: number }): Promise<FindingRecord | null> {
    return this.store.update<FindingRecord>(this.recordKey(id), (cur) => (cur ? { ...cur, accepted: { ...a } } : ABORT));
  }

  async markAnnounced(id: string): Promise<void> {
    await this.store.update<FindingRecord>(this.recordKey(id), (cur) => (cur && !cur.announced ? { ...cur, announced: true } : ABORT));
  }

  /** Marks that the channel was told an acceptance expired; true for the first caller only. */
  async noteExpiry(id: string): Promise<boolean> {
    let first = false as boolean;
    await this.store.update<FindingRecord>(this.recordKey(id), (cur) => {
      first = false;
      if (!cur?.accepted || cur.accepted.expiryNoted) return ABORT;
      first = true;
      return { ...cur, accepted: { ...cur.accepted, expiryNoted: true } };
    });
    return first;
  }
}
