import type { ModuleFactory } from '../core/module.js';
import { withSettings } from './module-settings.js';
import { ProcessCommandRunner } from '../adapters/scanner/command-runner.js';
import { pipelineRunLogs } from '../adapters/scanner/run-logs.js';
import { loadInspectConfig } from '../domain/inspect/config.js';
import { createInspectModule } from './modules/inspect.js';
import { servicesOf } from '../domain/services.js';

/**
 * Production wiring of inspectors: configuration from `<CONFIG_DIR>/inspectors.yml` (and the
 * policy file it names), scanner and inventory commands as child processes, and run logs from
 * the pipelines engine. Tests pass their own inspectors.yml.
 */
export function makeInspectModule(o: { configFile?: string } = {}): ModuleFactory {
  return withSettings(['COMMAND_ENV'], (ctx, s) => {
    const config = loadInspectConfig(ctx.configDir, o.configFile);
    return createInspectModule(ctx, {
      config,
      commands: new ProcessCommandRunner({
        reportsDir: config.file.reportsDir,
        log: ctx.log.child({ component: 'scanner' }),
        env: s.COMMAND_ENV,
      }),
      logs: pipelineRunLogs(() => servicesOf(ctx).maybe('pipelines')),
    });
  });
}

export const inspectModule: ModuleFactory = makeInspectModule();
