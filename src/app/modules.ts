import type { ModuleFactory } from '../core/module.js';
import { planModule } from './wire-plan.js';

/** Every capability the production bot runs, in start-up order. */
export const MODULES: ModuleFactory[] = [planModule];
