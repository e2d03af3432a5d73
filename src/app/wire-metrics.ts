import type { ModuleFactory } from '../core/module.js';
import { createMetricsModule } from './modules/metrics.js';

/** Production wiring of delivery metrics: configuration from `<CONFIG_DIR>/metrics.yml` and `plan.yml`. */
export const metricsModule: ModuleFactory = (ctx) => createMetricsModule(ctx);
