import { formatDuration } from '../../core/time.js';
import type { IncidentQueries, IncidentSummary } from '../contracts.js';
import type { IncidentRepo } from './repo.js';
import type { IncidentService } from './service.js';
import { isOpen, normalizeIncidentId, toSummary, type Incident } from './model.js';

/** Read side: the `incidents` service other capabilities use, listings and metrics. */
export class IncidentReads implements IncidentQueries {
  constructor(
    private readonly repo: IncidentRepo,
    private readonly clock: { now(): number },
    /** The write side, for acknowledgements made in a paging tool. */
    private readonly acks?: Pick<IncidentService, 'acknowledgeFrom'>,
  ) {}

  async acknowledgeFrom(id: string, via: { system: string; user?: string; name?: string }): Promise<{ found: boolean; first: boolean }> {
    const norm = normalizeIncidentId(id);
    if (!norm || !this.acks || !(await this.repo.get(norm))) return { found: false, first: false };
    return { found: true, first: (await this.acks.acknowledgeFrom(norm, via)).first };
  }

  async openDocs(filter: { service?: string } = {}): Promise<Incident[]> {
    const docs = await this.repo.getMany(await this.repo.openIds());
    return docs
      .filter((i) => isOpen(i) && (!filter.service || i.services.includes(filter.service)))
      .sort((a, b) => b.declaredAt - a.declaredAt);
  }

  async openIncidents(filter: { service?: string } = {}): Promise<IncidentSummary[]> {
    return (await this.openDocs(filter)).map(toSummary);
  }

  async get(id: string): Promise<IncidentSummary | null> {
    const norm = normalizeIncidentId(id);
    const inc = norm ? await this.repo.get(norm) : null;
    return inc ? toSummary(inc) : null;
  }

  async declaredSince(sinceMs: number): Promise<IncidentSummary[]> {
    return (await this.repo.getMany(await this.repo.recentIds({ sinceMs }))).map(toSummary);
  }

  async addTimelineEntry(id: string, entry: { kind: string; text: string; actor?: string; once?: string }): Promise<void> {
    const norm = normalizeIncidentId(id);
    if (!norm || !(await this.repo.get(norm))) return;
    const e = {
      at: this.clock.now(),
      kind: entry.kind.slice(0, 40),
      text: entry.text.slice(0, 2000),
      ...(entry.actor ? { actor: entry.actor } : {}),
    };
    if (entry.once) await this.repo.addTimelineOnce(norm, entry.once.slice(0, 160), e);
    else await this.repo.addTimeline(norm, e);
  }

  async list(opts: { open?: boolean; limit?: number }): Promise<Incident[]> {
    if (opts.open) return (await this.openDocs()).slice(0, opts.limit ?? 20);
    return this.repo.getMany(await this.repo.recentIds({ limit: opts.limit ?? 20 }));
  }

  /** Mean time to acknowledge and to resolve over incidents declared since `sinceMs`. */
  async metrics(sinceMs: number): Promise<IncidentMetrics> {
    const docs = await this.repo.getMany(await this.repo.recentIds({ sinceMs }));
    const acked = docs.filter((d) => d.ackedAt !== undefined);
    const resolved = docs.filter((d) => d.resolvedAt !== undefined);
    const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);
    const bySeverity: Record<string, number> = {};
    for (const d of docs) bySeverity[d.severity] = (bySeverity[d.severity] ?? 0) + 1;
    return {
      count: docs.length,
      open: docs.filter(isOpen).length,
      bySeverity,
      mttaMs: mean(acked.map((d) => d.ackedAt! - d.declaredAt)),
      mttrMs: mean(resolved.map((d) => d.resolvedAt! - d.declaredAt)),
      acked: acked.length,
      resolved: resolved.length,
    };
  }
}

export interface IncidentMetrics {
  count: number;
  open: number;
  bySeverity: Record<string, number>;
  mttaMs: number | null;
  mttrMs: number | null;
  acked: number;
  resolved: number;
}

export function formatMetrics(m: IncidentMetrics, since: string): string {
  const dur = (ms: number | null) => (ms === null ? 'n/a' : formatDuration(ms));
  const sev =
    Object.entries(m.bySeverity)
      .sort()
      .map(([s, n]) => `${s}: ${n}`)
      .join(', ') || 'none';
  return [
    `*Incidents in the last ${since}*: ${m.count} (${m.open} open; ${sev})`,
    `Mean time to acknowledge (MTTA): *${dur(m.mttaMs)}* over ${m.acked} acknowledged`,
    `Mean time to resolve (MTTR): *${dur(m.mttrMs)}* over ${m.resolved} resolved`,
  ].join('\n');
}
