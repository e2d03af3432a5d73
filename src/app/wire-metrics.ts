import { VegaDeliveryChart } from '../adapters/charts/delivery-chart.js';
import { GitHubCommitTimes } from '../adapters/ci/github-commits.js';
import type { ModuleFactory } from '../core/module.js';
import { withSettings } from './module-settings.js';
import { createMetricsModule } from './modules/metrics.js';

/** Production wiring of delivery metrics: configuration from `<CONFIG_DIR>/metrics.yml` and `plan.yml`,
 * the digest's chart drawn with Vega-Lite, commit times from GitHub when GITHUB_TOKEN is set. */
export const metricsModule: ModuleFactory = withSettings(['GITHUB_API_URL', 'GITHUB_TOKEN'], (ctx, s) =>
  createMetricsModule(ctx, {
    chart: new VegaDeliveryChart(),
    ...(s.GITHUB_TOKEN ? { commits: new GitHubCommitTimes({ baseUrl: s.GITHUB_API_URL, token: s.GITHUB_TOKEN }) } : {}),
  }),
);
