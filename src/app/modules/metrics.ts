import { join } from 'node:path';
import type { AppContext, Module } from '../../core/module.js';
import type { ChartRenderer } from '../../domain/metrics/chart.js';
import { commitChangeClock, firstKnown, planChangeClock, type CommitTimes } from '../../domain/metrics/change-clock.js';
import { loadMetricsConfig, type MetricsConfig } from '../../domain/metrics/config.js';
import { DIGEST_SCHEDULER, DIGEST_TEAM, DIGEST_TICK, digestProcessors } from '../../domain/metrics/digest.js';
import { DeliveryMetrics } from '../../domain/metrics/service.js';
import { MetricsSource, type ChangeClock } from '../../domain/metrics/source.js';
import { loadPlanConfig } from '../../domain/plan/config.js';
import { loadTeams, type Teams } from '../../domain/plan/teams.js';
import { metricsHomeSection } from '../../../commands/metrics/home.js';
import { servicesOf } from '../../domain/services.js';
import { metricsPresenter } from '../../../commands/metrics/render.js';

export interface MetricsModuleOptions {
  /** Defaults to `<configDir>/metrics.yml` (optional file). */
  config?: MetricsConfig;
  /** Production environments; defaults to `productionEnvs` of `<configDir>/plan.yml`. */
  productionEnvs?: readonly string[];
  /** Where a change started when better known than the run's trigger; by default, its plan items moving to doing. */
  changeClock?: ChangeClock;
  /** When a deployed commit was made (GitHub's commit API, with GITHUB_TOKEN). */
  commits?: CommitTimes;
  /** Teams by service (the Home shows a person their team's figures); `<configDir>/teams.yml` when left out. */
  teams?: Teams;
  /** Draws the digest's chart; without one the digest is text only. */
  chart?: ChartRenderer;
}

/**
 * Delivery metrics (the four keys): the `metrics` service `/switchyard metrics` reads, and the
 * weekly digest to each team channel. Reads pipelines and incidents through their contracts.
 */
export function createMetricsModule(ctx: AppContext, o: MetricsModuleOptions = {}): Module {
  const cfg = o.config ?? loadMetricsConfig(join(ctx.configDir, 'metrics.yml'));
  const productionEnvs = o.productionEnvs ?? loadPlanConfig(join(ctx.configDir, 'plan.yml')).productionEnvs;
  const services = servicesOf(ctx);
  const source = new MetricsSource({
    pipelines: () => services.get('pipelines'),
    incidents: () => services.get('incidents'),
    productionEnvs,
    changeClock:
      o.changeClock ??
      firstKnown(
        planChangeClock(() => services.maybe('plan')),
        ...(o.commits ? [commitChangeClock(() => services.maybe('pipelines'), o.commits)] : []),
      ),
  });
  const metrics = new DeliveryMetrics(source, { failureWindowMs: cfg.failureWindow.ms, now: () => ctx.clock.now() });
  services.provide('metrics', metrics);
  const teams = o.teams ?? loadTeams(join(ctx.configDir, 'teams.yml'));
  const servicesOfUser = async (userId: string) => {
    const out: string[] = [];
    for (const [service, team] of Object.entries(teams)) {
      if (team.users.includes(userId)) out.push(service);
      else for (const g of team.groups) if ((await ctx.access.groupMembers(g)).includes(userId)) out.push(service);
    }
    return [...new Set(out)];
  };
  return {
    name: 'metrics',
    home: [metricsHomeSection({ perService: () => metrics.perService(), servicesOf: servicesOfUser })],
    jobs: digestProcessors({
      metrics,
      presenter: metricsPresenter,
      chat: ctx.chat,
      jobs: ctx.jobs,
      clock: ctx.clock,
      store: ctx.store,
      ...(o.chart ? { charts: { renderer: o.chart, files: ctx.files } } : {}),
    }),
    enqueues: [DIGEST_TICK.name, DIGEST_TEAM.name],
    async startWorker() {
      if (cfg.digest.enabled) await ctx.jobs.schedule(DIGEST_SCHEDULER, DIGEST_TICK.name, {}, { cron: cfg.digest.cron, tz: cfg.digest.tz });
      else await ctx.jobs.unschedule(DIGEST_SCHEDULER);
    },
  };
}
