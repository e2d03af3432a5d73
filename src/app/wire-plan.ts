import type { ModuleFactory } from '../core/module.js';
import { createPlanModule } from './modules/plan.js';

/** Production wiring of planning: no outside systems, configuration from `<CONFIG_DIR>/plan.yml`. */
export const planModule: ModuleFactory = (ctx) => createPlanModule(ctx);
