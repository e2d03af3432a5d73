import type { ModuleFactory } from '../core/module.js';
import { withSettings } from './module-settings.js';
import { createStatuspageModule, type StatuspageModuleOptions } from './modules/statuspage.js';

/** Production wiring of Statuspage: config/statuspage.yml and the STATUSPAGE_* variable it names for the API key. */
export function statuspageModuleWith(opts: Omit<StatuspageModuleOptions, 'env'> = {}): ModuleFactory {
  return withSettings(['STATUSPAGE_ENV'], (ctx, s) => createStatuspageModule(ctx, { ...opts, env: s.STATUSPAGE_ENV }));
}

export const statuspageModule: ModuleFactory = statuspageModuleWith();
