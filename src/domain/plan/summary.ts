import type { IncidentSummary } from '../contracts.js';
import type { DoraReport } from '../metrics/dora.js';
import type { Services } from '../services.js';
import { type Iteration, type IterationCounts, type PlanItem } from './model.js';
import type { PlanRepo, SeenIncident } from './repo.js';

export interface IncidentHit {
  id: string;
  title?: string;
  severity?: string;
  status?: string;
}

export interface IterationSummary {
  iteration: Iteration;
  next: Iteration;
  done: PlanItem[];
  shipped: PlanItem[];
  rolled: PlanItem[];
  dropped: PlanItem[];
  incidents: IncidentHit[];
  counts: IterationCounts;
  /** The four delivery metrics over the iteration, when the metrics capability runs. */
  delivery?: DoraReport;
}

/**
 * What an iteration came to. Incidents "hit" it when they were open at some point between its
 * start and its close: those linked from its items (and follow-ups created during it), those the
 * plan saw resolved during it (`incident.resolved`), and those still open.
 */
export async function summarize(
  deps: { repo: PlanRepo; services: Services },
  o: { closed: Iteration; next: Iteration; closedAt: number },
): Promise<IterationSummary> {
  const items = await deps.repo.allItems();
  const mine = items.filter((i) => i.iteration === o.closed.id);
  // Derived from the items, so a close finished by a retry counts what the first attempt rolled.
  const rolled = items.filter((i) => i.rolledFrom === o.closed.id && i.iteration === o.next.id);
  const done = mine.filter((i) => i.state === 'done');
  const shipped = done.filter((i) => i.shipped);
  const dropped = mine.filter((i) => i.state === 'dropped');
  const touched = items.filter(
    (i) => i.iteration === o.closed.id || rolled.some((r) => r.id === i.id) || within(i.createdAt, o.closed.startAt, o.closedAt),
  );
  const linked = new Set(touched.flatMap((i) => i.links.filter((l) => l.type === 'incident').map((l) => l.ref)));
  const seen = await deps.repo.incidentsResolvedBetween(o.closed.startAt, o.closedAt);
  const incidents = await incidentHits(deps.services, { linked, seen, from: o.closed.startAt, to: o.closedAt });
  const counts: IterationCounts = {
    done: done.length,
    shipped: shipped.length,
    rolledOver: rolled.length,
    dropped: dropped.length,
    incidents: incidents.length,
  };
  const delivery = await deliveryOver(deps.services, o.closed.startAt, o.closedAt);
  return { iteration: o.closed, next: o.next, done, shipped, rolled, dropped, incidents, counts, ...(delivery ? { delivery } : {}) };
}

/** The organisation's four keys over the iteration; a close never fails because metrics could not be read. */
async function deliveryOver(services: Services, from: number, to: number): Promise<DoraReport | undefined> {
  const metrics = services.maybe('metrics');
  if (!metrics || to <= from) return undefined;
  const days = Math.max(1, Math.round((to - from) / 86_400_000));
  const r = await metrics.report({ windowMs: to - from, windowText: `${days}d`, to }).catch(() => undefined);
  return r?.current;
}

async function incidentHits(
  services: Services,
  o: { linked: Set<string>; seen: SeenIncident[]; from: number; to: number },
): Promise<IncidentHit[]> {
  const queries = services.maybe('incidents');
  const byId = new Map<string, IncidentHit>();
  for (const s of o.seen) byId.set(s.id, { id: s.id, ...(s.severity ? { severity: s.severity } : {}), status: 'resolved' });
  const open = queries ? await queries.openIncidents().catch(() => [] as IncidentSummary[]) : [];
  const candidates = new Set([...o.linked, ...byId.keys(), ...open.map((i) => i.id)]);
  const out: IncidentHit[] = [];
  for (const id of candidates) {
    const info = open.find((i) => i.id === id) ?? (queries ? await queries.get(id).catch(() => null) : null);
    if (info) {
      // Open at some point during the iteration: declared before its close, not resolved before its start.
      if (info.declaredAt > o.to || (info.resolvedAt !== undefined && info.resolvedAt < o.from)) continue;
      out.push({ id, title: info.title, severity: info.severity, status: info.status });
    } else {
      out.push(byId.get(id) ?? { id });
    }
  }
  return out.sort((a, b) => (a.severity ?? 'SEV9').localeCompare(b.severity ?? 'SEV9') || a.id.localeCompare(b.id));
}

function within(at: number, from: number, to: number): boolean {
  return at >= from && at <= to;
}
