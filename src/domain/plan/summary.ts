import { context, escapeMrkdwn, header, md, mention, type MessageContent } from '../../core/blocks.js';
import type { IncidentSummary } from '../contracts.js';
import type { Services } from '../services.js';
import { type Iteration, type IterationCounts, type PlanItem } from './model.js';
import type { PlanRepo, SeenIncident } from './repo.js';
import { formatDate } from './format.js';

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
  return { iteration: o.closed, next: o.next, done, shipped, rolled, dropped, incidents, counts };
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

const line = (i: PlanItem) => `*${i.id}* ${escapeMrkdwn(i.title)}`;

function listed(title: string, items: string[], max = 15): string {
  if (!items.length) return '';
  const more = items.length > max ? `\n…and ${items.length - max} more` : '';
  return `*${title}*\n${items
    .slice(0, max)
    .map((t) => `• ${t}`)
    .join('\n')}${more}`;
}

export function renderSummary(s: IterationSummary, closedBy: string): MessageContent {
  const c = s.counts;
  const tally =
    `Done: *${c.done}* · Shipped: *${c.shipped}* · Rolled over: *${c.rolledOver}* · ` +
    `Dropped: *${c.dropped}* · Incidents: *${c.incidents}*`;
  const text =
    `${s.iteration.name} closed. Done ${c.done}, shipped ${c.shipped}, ` +
    `rolled over ${c.rolledOver} to ${s.next.name}, dropped ${c.dropped}, incidents ${c.incidents}.`;
  const sections = [
    listed(
      'Shipped',
      s.shipped.map(
        (i) =>
          `${line(i)} — run \`${i.shipped!.runId}\`` +
          `${i.shipped!.pipeline ? ` (${escapeMrkdwn(i.shipped!.pipeline)} → ${i.shipped!.env})` : ` (${i.shipped!.env})`}`,
      ),
    ),
    listed('Done, not shipped by a run', s.done.filter((i) => !i.shipped).map(line)),
    listed(
      `Rolled over to ${s.next.name}`,
      s.rolled.map((i) => `${line(i)} (${i.state}${i.owner ? `, ${mention(i.owner)}` : ''})`),
    ),
    listed(
      'Dropped',
      s.dropped.map((i) => `${line(i)}${i.dropReason ? ` — ${escapeMrkdwn(i.dropReason)}` : ''}`),
    ),
    listed(
      'Incidents that hit the iteration',
      s.incidents.map(
        (i) =>
          `\`${i.id}\`${i.severity ? ` ${i.severity}` : ''}` +
          `${i.title ? ` ${escapeMrkdwn(i.title)}` : ''}${i.status ? ` (${i.status})` : ''}`,
      ),
    ),
  ].filter(Boolean);
  return {
    text,
    blocks: [
      header(`${s.iteration.name} closed`),
      md(tally),
      ...sections.map((t) => md(t)),
      context(
        `${formatDate(s.iteration.startAt)} – ${formatDate(s.iteration.closedAt ?? s.iteration.endAt)} · ` +
          `closed by ${mention(closedBy)} · now current: *${escapeMrkdwn(s.next.name)}* until ${formatDate(s.next.endAt)}`,
      ),
    ],
  };
}
