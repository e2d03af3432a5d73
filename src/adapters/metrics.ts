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

  constructor(opts: { defaults?: boolean } = {}) {
    if (opts.defaults) collectDefaultMetrics({ register: this.registry });
  }
}
