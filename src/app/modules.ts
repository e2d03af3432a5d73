import type { ModuleFactory } from '../core/module.js';

/** Every capability the production bot runs, in start-up order. */
export const MODULES: ModuleFactory[] = [];
