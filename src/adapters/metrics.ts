import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * Prometheus metrics for GET /metrics. One registry per app instance so tests running several
 * bots in one process do not collide.
 */
export class Metrics {
  readonly registry = new Registry();
  readonly requests = new Counter({
    name: 'switchyard_requests_total',
    help: 'Slack requests handled, by kind and command',
    labelNames: ['kind', 'command'] as const,
    registers: [this.registry],
  });
  readonly ackLatency = new Histogram({
    name: 'switchyard_ack_latency_seconds',
    help: 'Time from a Slack request reaching the listener to its ack, by command',
    labelNames: ['command'] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  readonly slackApiErrors = new Counter({
    name: 'switchyard_slack_api_errors_total',
    help: 'Slack Web API calls that failed, by method and error',
    labelNames: ['method', 'error'] as const,
    registers: [this.registry],
  });
  readonly rateLimitWaits = new Counter({
    name: 'switchyard_slack_rate_limit_waits_total',
    help: 'Times a Slack call waited for Retry-After or channel pacing',
    labelNames: ['method', 'reason'] as const,
    registers: [this.registry],
  });
  readonly rateLimitWaitSeconds = new Counter({
    name: 'switchyard_slack_rate_limit_wait_seconds_total',
    help: 'Seconds spent waiting on Slack rate limits',
    labelNames: ['method'] as const,
    registers: [this.registry],
  });
  readonly queueDepth = new Gauge({
    name: 'switchyard_queue_depth',
    help: 'Waiting, delayed and active jobs per queue',
    labelNames: ['queue'] as const,
    registers: [this.registry],
  });

  /** The four delivery metrics per production service over the last 30 days (src/domain/metrics). */
  readonly doraDeploys = new Gauge({
    name: 'switchyard_dora_deploys',
    help: 'Successful production deploys in the last 30 days, by service',
    labelNames: ['service'] as const,
    registers: [this.registry],
  });
  readonly doraLeadTime = new Gauge({
    name: 'switchyard_dora_lead_time_seconds',
    help: 'Median lead time for changes over the last 30 days, by service (absent without deploys)',
    labelNames: ['service'] as const,
    registers: [this.registry],
  });
  readonly doraChangeFailure = new Gauge({
    name: 'switchyard_dora_change_failure_ratio',
    help: 'Share of production deploys over the last 30 days that failed (incident, rollback or fix), by service',
    labelNames: ['service'] as const,
    registers: [this.registry],
  });
  readonly doraRestore = new Gauge({
    name: 'switchyard_dora_time_to_restore_seconds',
    help: 'Median time to restore service over the last 30 days, by service (absent without resolved incidents)',
    labelNames: ['service'] as const,
    registers: [this.registry],
  });

  /** Sets the delivery gauges from per-service figures; a figure without data is left out, not zero. */
  setDelivery(
    rows: Array<{ service: string; deploys: number; leadMs: number | null; failureRate: number | null; restoreMs: number | null }>,
  ): void {
    for (const g of [this.doraDeploys, this.doraLeadTime, this.doraChangeFailure, this.doraRestore]) g.reset();
    for (const r of rows) {
      const labels = { service: r.service };
      this.doraDeploys.set(labels, r.deploys);
      if (r.leadMs !== null) this.doraLeadTime.set(labels, r.leadMs / 1000);
      if (r.failureRate !== null) this.doraChangeFailure.set(labels, r.failureRate);
      if (r.restoreMs !== null) this.doraRestore.set(labels, r.restoreMs / 1000);
    }
  }

  constructor(opts: { defaults?: boolean } = {}) {
    if (opts.defaults) collectDefaultMetrics({ register: this.registry });
  }
}
