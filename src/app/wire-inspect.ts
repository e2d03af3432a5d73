import type { ModuleFactory } from '../core/module.js';
import { ProcessCommandRunner } from '../adapters/scanner/command-runner.js';
import { storedRunLogs } from '../adapters/scanner/run-logs.js';
import { loadInspectConfig } from '../domain/inspect/config.js';
import { createInspectModule } from '../domain/inspect/module.js';
import { servicesOf } from '../domain/services.js';

/**
 * Production wiring of inspectors: configuration from `<CONFIG_DIR>/inspectors.yml` (and the
 * policy file it names), scanner and inventory commands as child processes, and run logs from
 * the pipelines module's store.
 */
export const inspectModule: ModuleFactory = (ctx) => {
  const config = loadInspectConfig(ctx.configDir);
  return createInspectModule(ctx, {
    config,
    commands: new ProcessCommandRunner({ reportsDir: config.file.reportsDir, log: ctx.log.child({ component: 'scanner' }) }),
    logs: storedRunLogs(ctx.store, () => servicesOf(ctx).maybe('pipelines') as unknown as { stageLog?: (runId: string, stageId: string) => Promise<string[]> } | undefined),
  });
};
