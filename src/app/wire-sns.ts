import type { ModuleFactory } from '../core/module.js';
import { withSettings } from './module-settings.js';
import { createSnsModule, type SnsModuleOptions } from './modules/sns.js';

/** Production wiring of SNS: config/sns.yml and SNS_ORIGIN_PATTERN (left at AWS's hosts outside tests). */
export function snsModuleWith(opts: Omit<SnsModuleOptions, 'originPattern'> = {}): ModuleFactory {
  return withSettings(['SNS_ORIGIN_PATTERN'], (ctx, s) => createSnsModule(ctx, { ...opts, originPattern: s.SNS_ORIGIN_PATTERN }));
}

export const snsModule: ModuleFactory = snsModuleWith();
