import type { AppContext, Module, ModuleFactory, ModuleSettings } from '../core/module.js';
import { ConfigError } from '../core/errors.js';
import { settingsSchema, type Settings } from '../config/settings.js';

export type SettingName = keyof Settings;

/** Every name a module may declare: the parsed variables plus the derived COMMAND_ENV, STATUSPAGE_ENV and PAGING_SECRETS. */
const KNOWN = new Set<string>([...Object.keys(settingsSchema.shape), 'COMMAND_ENV', 'STATUSPAGE_ENV', 'PAGING_SECRETS']);

/**
 * A module factory that names the settings it reads and receives them typed. Nothing else of the
 * app's settings reaches the module (not Slack's secrets, not another capability's tokens), so a
 * module can only use a secret its wiring declared here, where a reviewer sees it.
 *
 *   export const planModule = withSettings(['CONFIG_CACHE_MS'], (ctx, s) => createX(ctx, { ttl: s.CONFIG_CACHE_MS }));
 */
export function withSettings<const K extends SettingName>(
  names: readonly K[],
  create: (ctx: AppContext, settings: Readonly<Pick<Settings, K>>) => Module,
): ModuleFactory {
  // settingsFor below hands exactly these names, so the slice has the declared shape.
  const factory = (ctx: AppContext, slice: ModuleSettings) => create(ctx, slice as Readonly<Pick<Settings, K>>);
  return Object.assign(factory, { settings: names });
}

/** The slice createSwitchyard hands a factory: the settings it declared, nothing more. */
export function settingsFor(factory: ModuleFactory, all: Readonly<Settings>): ModuleSettings {
  const names = factory.settings ?? [];
  const unknown = names.filter((n) => !KNOWN.has(n));
  if (unknown.length) throw new ConfigError(`a module declares unknown setting(s) ${unknown.join(', ')} (see src/config/settings.ts)`);
  const picked: Record<string, unknown> = {};
  for (const n of names) if (n in all) picked[n] = all[n as SettingName];
  return Object.freeze(picked);
}
