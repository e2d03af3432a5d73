import { z } from 'zod';
import { arg, optional, typedDefault } from '../../src/core/commands/args.js';
import { sub, type SubcommandSpec } from '../../src/core/commands/spec.js';
import { InvalidStateError, UsageError } from '../../src/core/errors.js';
import type { DeliveryMetrics } from '../../src/domain/metrics/service.js';
import { metricsPresenter } from './render.js';

/** Longest window a metrics answer reads: a year, compared with the year before. */
const MAX_WINDOW_MS = 366 * 86_400_000;

/**
 * `/switchyard metrics [--service S] [--team #C] [--since 90d] [--failures]`: the four delivery
 * metrics. Read-only and open to everyone: they describe teams' delivery, not any secret.
 * `metrics()` looks the service up at call time (the metrics module provides it).
 */
export function metricsSubcommand(deps: { metrics(): DeliveryMetrics | undefined }): SubcommandSpec {
  return sub({
    name: 'metrics',
    summary: 'Deployment frequency, lead time, change failure rate and time to restore, with their bands',
    args: z.object({
      service: z.string().max(80).optional().describe('only this service'),
      team: optional(arg.channel("only this team's pipelines: their team channel (#name)")),
      since: typedDefault(arg.duration('the window, e.g. 30d or 12w (compared with the window before)'), '30d'),
      failures: z.boolean().default(false).describe('list the failed changes behind the rate'),
    }),
    placeholders: { service: 'service', team: '#channel', since: 'window' },
    examples: [
      '/switchyard metrics',
      '/switchyard metrics --service checkout --since 90d',
      '/switchyard metrics --team C0PAYMENTS --failures',
    ],
    permission: null,
    readOnly: true,
    async handle(args) {
      const metrics = deps.metrics();
      if (!metrics) throw new InvalidStateError('Delivery metrics are not enabled in this installation.');
      if (args.service && args.team) throw new UsageError('Give --service or --team, not both.');
      if (args.since.ms < 86_400_000 || args.since.ms > MAX_WINDOW_MS)
        throw new UsageError(`--since must be between 1d and 366d (got \`${args.since.text}\`).`);
      if (args.service && !metrics.services().includes(args.service))
        throw new UsageError(
          `No pipeline deploys \`${args.service}\` to production. Services: ${metrics.services().join(', ') || 'none'}.`,
        );
      const report = await metrics.report({
        windowMs: args.since.ms,
        windowText: args.since.text,
        scope: { ...(args.service ? { service: args.service } : {}), ...(args.team ? { team: args.team } : {}) },
      });
      return metricsPresenter.report(report, { failures: args.failures });
    },
  });
}
