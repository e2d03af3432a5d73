import type { WeekFigures } from './chart.js';
import { weekOf } from './week.js';
import { computeDora, type DoraReport } from './dora.js';
import type { MetricsScope, MetricsSource } from './source.js';

/** The four keys over a window and over the window before it, for one scope. */
export interface DeliveryReport {
  scope: MetricsScope;
  /** The window as typed (`30d`), for the answer's heading. */
  windowText: string;
  current: DoraReport;
  previous: DoraReport;
}

export interface DeliveryMetricsOptions {
  /** An incident, rollback or fix this long after a deploy counts against it (default 24 h). */
  failureWindowMs: number;
  now(): number;
}

/** The `metrics` service: what `/switchyard metrics`, the weekly digest, the Home and `/metrics` read. */
/** One service's figures for the `/metrics` gauges. */
export interface ServiceFigures {
  service: string;
  deploys: number;
  leadMs: number | null;
  failureRate: number | null;
  restoreMs: number | null;
}

const GAUGE_TTL_MS = 5 * 60_000;
const WEEK_MS = 7 * 86_400_000;

export class DeliveryMetrics {
  private cached: { at: number; rows: ServiceFigures[] } | undefined;
  private pending: Promise<ServiceFigures[]> | undefined;

  constructor(
    private readonly source: MetricsSource,
    private readonly o: DeliveryMetricsOptions,
  ) {}

  async report(q: { windowMs: number; windowText: string; scope?: MetricsScope; to?: number }): Promise<DeliveryReport> {
    const scope = q.scope ?? {};
    const to = q.to ?? this.o.now();
    const from = to - q.windowMs;
    const previousFrom = from - q.windowMs;
    // Runs are indexed by their start: a deploy finished in the window may have started a little
    // before it, and a signal early in the window may count against a deploy before it.
    const readFrom = previousFrom - this.o.failureWindowMs - 7 * 86_400_000;
    const deploys = await this.source.deploys(readFrom, scope);
    const teamServices = scope.team ? new Set(deploys.map((d) => d.service)) : undefined;
    const incidents = await this.source.incidents(readFrom, scope, teamServices);
    const options = { failureWindowMs: this.o.failureWindowMs };
    return {
      scope,
      windowText: q.windowText,
      current: computeDora(deploys, incidents, { from, to }, options),
      previous: computeDora(deploys, incidents, { from: previousFrom, to: from }, options),
    };
  }

  /**
   * Per-service figures over the last 30 days for Prometheus: computed at most every 5 minutes
   * (a scrape every 15 s must not read every run each time), one computation at a time.
   */
  async perService(): Promise<ServiceFigures[]> {
    const now = this.o.now();
    if (this.cached && now - this.cached.at < GAUGE_TTL_MS) return this.cached.rows;
    this.pending ??= (async () => {
      const rows: ServiceFigures[] = [];
      for (const service of this.services()) {
        const r = (await this.report({ windowMs: 30 * 86_400_000, windowText: '30d', scope: { service }, to: now })).current;
        rows.push({
          service,
          deploys: r.deploys,
          leadMs: r.leadTime.medianMs,
          failureRate: r.changeFailure.rate,
          restoreMs: r.restore.medianMs,
        });
      }
      this.cached = { at: now, rows };
      return rows;
    })().finally(() => (this.pending = undefined));
    return this.pending;
  }

  /** The last `weeks` whole and current weeks (Monday to Monday, UTC), oldest first, for a chart. */
  async weekly(weeks: number, scope: MetricsScope = {}, to = this.o.now()): Promise<WeekFigures[]> {
    const firstMonday = Date.parse(weekOf(to)) - (weeks - 1) * WEEK_MS;
    const readFrom = firstMonday - this.o.failureWindowMs - WEEK_MS;
    const deploys = await this.source.deploys(readFrom, scope);
    const teamServices = scope.team ? new Set(deploys.map((d) => d.service)) : undefined;
    const incidents = await this.source.incidents(readFrom, scope, teamServices);
    const out: WeekFigures[] = [];
    for (let i = 0; i < weeks; i++) {
      const from = firstMonday + i * WEEK_MS;
      const r = computeDora(deploys, incidents, { from, to: from + WEEK_MS }, { failureWindowMs: this.o.failureWindowMs });
      const hours = (ms: number | null) => (ms === null ? null : Math.round((ms / 3_600_000) * 10) / 10);
      out.push({
        week: new Date(from).toISOString().slice(0, 10),
        deploys: r.deploys,
        failed: r.changeFailure.failed.length,
        leadHours: hours(r.leadTime.medianMs),
        restoreHours: hours(r.restore.medianMs),
      });
    }
    return out;
  }

  /** Team channels that deployed to production in the window: each gets a digest. */
  async teams(sinceMs: number): Promise<string[]> {
    const deploys = await this.source.deploys(sinceMs);
    return [...new Set(deploys.map((d) => d.team))].sort();
  }

  /** Services deploying to production (for per-service gauges). */
  services(): string[] {
    return [...new Set(this.source.productionPipelines().map((p) => p.service))].sort();
  }
}
