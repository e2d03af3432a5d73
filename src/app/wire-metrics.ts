import { VegaDeliveryChart } from '../adapters/charts/delivery-chart.js';
import type { ModuleFactory } from '../core/module.js';
import { createMetricsModule } from './modules/metrics.js';

/** Production wiring of delivery metrics: configuration from `<CONFIG_DIR>/metrics.yml` and `plan.yml`,
 * the digest's chart drawn with Vega-Lite. */
export const metricsModule: ModuleFactory = (ctx) => createMetricsModule(ctx, { chart: new VegaDeliveryChart() });
