import { changeFailureBand, frequencyBand, leadTimeBand, restoreBand, type Band } from './bands.js';

/**
 * The four delivery metrics computed from records Switchyard already keeps: production deploys
 * (pipeline runs) and incidents. Pure: the caller reads the records (source.ts) and passes a window.
 */

/** Where a change's lead time starts: the deployed commit's time, the plan item moving to doing, or the run's trigger. */
export type LeadBasis = 'commit' | 'plan' | 'trigger';

/** A finished run to a production environment. */
export interface DeployRecord {
  runId: string;
  pipeline: string;
  service: string;
  /** The pipeline's team channel. */
  team: string;
  env: string;
  ref: string;
  status: 'succeeded' | 'failed' | 'cancelled';
  triggeredAt: number;
  finishedAt: number;
  /** The run this one rolled back (the bad one). */
  rollbackOf?: string;
  /** The incident this run ships a fix for. */
  fixIncident?: string;
  /** Start of the change, when better known than the trigger time. */
  changeStartedAt?: number;
  leadBasis: LeadBasis;
}

export interface IncidentRecord {
  incidentId: string;
  services: string[];
  /** Declared by a person or opened by the first alert. */
  startedAt: number;
  resolvedAt?: number;
}

/** Why a deploy counts as a failed change. */
export interface FailedChange {
  runId: string;
  service: string;
  ref: string;
  finishedAt: number;
  cause:
    { kind: 'incident'; incidentId: string } | { kind: 'rollback'; runId: string } | { kind: 'fix'; runId: string; incidentId: string };
}

export interface DoraReport {
  from: number;
  to: number;
  deploys: number;
  deploysPerDay: number;
  frequencyBand: Band;
  leadTime: { medianMs: number | null; basis: Record<LeadBasis, number>; band: Band | null };
  changeFailure: { rate: number | null; failed: FailedChange[]; band: Band | null };
  restore: { medianMs: number | null; incidents: number; band: Band | null };
}

export interface DoraOptions {
  /** A signal (incident, rollback, fix deploy) this long after a deploy still counts against it. */
  failureWindowMs: number;
}

export function median(xs: number[]): number | null {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/**
 * Deploys and incidents in [from, to). `deploys` may include earlier ones (for attribution of a
 * signal near the window's start) and `incidents` later ones are ignored.
 */
export function computeDora(
  deploys: DeployRecord[],
  incidents: IncidentRecord[],
  window: { from: number; to: number },
  o: DoraOptions,
): DoraReport {
  const inWindow = (t: number) => t >= window.from && t < window.to;
  const succeeded = deploys.filter((d) => d.status === 'succeeded').sort((a, b) => a.finishedAt - b.finishedAt);
  const counted = succeeded.filter((d) => inWindow(d.finishedAt));
  const days = Math.max(1, (window.to - window.from) / 86_400_000);

  const basis: Record<LeadBasis, number> = { commit: 0, plan: 0, trigger: 0 };
  const leads = counted.map((d) => {
    basis[d.leadBasis] += 1;
    return Math.max(0, d.finishedAt - (d.changeStartedAt ?? d.triggeredAt));
  });
  const leadMedian = median(leads);

  const failed = attributeFailures(succeeded, incidents, o.failureWindowMs).filter((f) => inWindow(f.finishedAt));
  const rate = counted.length ? failed.length / counted.length : null;

  const restored = incidents.filter((i) => i.resolvedAt !== undefined && inWindow(i.resolvedAt));
  const restoreMedian = median(restored.map((i) => i.resolvedAt! - i.startedAt));

  return {
    from: window.from,
    to: window.to,
    deploys: counted.length,
    deploysPerDay: counted.length / days,
    frequencyBand: frequencyBand(counted.length / days),
    leadTime: { medianMs: leadMedian, basis, band: leadTimeBand(leadMedian) },
    changeFailure: { rate, failed, band: changeFailureBand(rate) },
    restore: { medianMs: restoreMedian, incidents: restored.length, band: restoreBand(restoreMedian) },
  };
}

/**
 * Each failure signal counts against one deploy, at most once per deploy:
 *  - a rollback run names the run it rolled back;
 *  - an incident on a service counts against that service's last successful deploy finished
 *    before the incident started, if within the window;
 *  - a `--fix` deploy (not a rollback) whose incident named no service the deploys know counts
 *    against its own service's last deploy before the incident (or before the fix, when the
 *    incident is unknown).
 * A rollback or fix deploy is itself a change: it counts in the frequency and can fail in turn.
 */
export function attributeFailures(succeeded: DeployRecord[], incidents: IncidentRecord[], windowMs: number): FailedChange[] {
  const failed = new Map<string, FailedChange>();
  const byId = new Map(succeeded.map((d) => [d.runId, d]));
  const fail = (d: DeployRecord | undefined, cause: FailedChange['cause']) => {
    if (!d || failed.has(d.runId)) return;
    failed.set(d.runId, { runId: d.runId, service: d.service, ref: d.ref, finishedAt: d.finishedAt, cause });
  };
  const lastBefore = (service: string, at: number) => {
    let found: DeployRecord | undefined;
    for (const d of succeeded) {
      if (d.finishedAt > at) break;
      if (d.service === service && at - d.finishedAt <= windowMs) found = d;
    }
    return found;
  };

  const attributedIncidents = new Set<string>();
  for (const inc of incidents) {
    for (const service of inc.services) {
      const d = lastBefore(service, inc.startedAt);
      if (!d) continue;
      fail(d, { kind: 'incident', incidentId: inc.incidentId });
      attributedIncidents.add(inc.incidentId);
    }
  }
  const incidentStart = new Map(incidents.map((i) => [i.incidentId, i.startedAt]));
  for (const r of succeeded) {
    if (r.rollbackOf) {
      const bad = byId.get(r.rollbackOf);
      if (bad && r.triggeredAt - bad.finishedAt <= windowMs) fail(bad, { kind: 'rollback', runId: r.runId });
    } else if (r.fixIncident && !attributedIncidents.has(r.fixIncident)) {
      const before = incidentStart.get(r.fixIncident) ?? r.triggeredAt;
      const d = lastBefore(r.service, before);
      if (d && d.runId !== r.runId) fail(d, { kind: 'fix', runId: r.runId, incidentId: r.fixIncident });
    }
  }
  return [...failed.values()].sort((a, b) => a.finishedAt - b.finishedAt);
}
