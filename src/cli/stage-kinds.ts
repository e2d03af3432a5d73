import type { Settings } from '../config/settings.js';
import { SecretRegistry } from '../core/mask.js';
import type { AppContext, ModuleFactory } from '../core/module.js';
import { systemClock, silentLogger } from '../core/ports/runtime.js';
import { ServiceRegistry } from '../core/services.js';
import { MODULES } from '../app/modules.js';
import { settingsFor } from '../app/module-settings.js';
import type { StageKind } from '../domain/contracts.js';
import { servicesOf, stageKinds } from '../domain/services.js';

/**
 * A port no check may reach: building a module only wires objects together, so any call here
 * means a factory does I/O at construction, which `workflows:check` must not (no Redis, no Slack).
 */
function unreachable(port: string): never {
  return new Proxy(
    {},
    {
      get(_t, prop) {
        if (prop === 'then') return undefined; // not a thenable
        return () => {
          throw new Error(`workflows:check builds modules without I/O, but one called ${port}.${String(prop)}()`);
        };
      },
    },
  ) as never;
}

/**
 * The stage kinds the production bot registers (STAGE_KINDS), read by building the app's modules
 * (src/app/modules.ts) against a context without Redis or Slack. A new kind is checked here the
 * moment its module registers it: there is no second list to keep in step.
 */
export function registeredStageKinds(settings: Readonly<Settings>, modules: readonly ModuleFactory[] = MODULES): StageKind[] {
  const ctx: AppContext = {
    store: unreachable('store'),
    jobs: unreachable('jobs'),
    chat: unreachable('chat'),
    files: unreachable('files'),
    access: unreachable('access'),
    audit: unreachable('audit'),
    events: unreachable('events'),
    home: unreachable('home'),
    clock: systemClock,
    log: silentLogger,
    configDir: settings.CONFIG_DIR,
    workflowsDir: settings.WORKFLOWS_DIR,
    services: new ServiceRegistry<object>(),
    secrets: new SecretRegistry(),
  };
  // Each module gets the settings it declares, as createSwitchyard hands them.
  for (const factory of modules) factory(ctx, settingsFor(factory, settings));
  return stageKinds(servicesOf(ctx));
}
