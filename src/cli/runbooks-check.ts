import { join } from 'node:path';
import type { Settings } from '../config/settings.js';
import { accessFileSchema } from '../core/access.js';
import { loadYamlFile } from '../core/config/yaml-file.js';
import { defaultRunbooksDir } from '../app/modules/runbooks.js';
import { checkRunbookFiles } from '../domain/runbooks/load.js';
import { registeredStageKinds } from './stage-kinds.js';

/**
 * The runbooks half of `npm run workflows:check`: runbooks/*.yml judged as start-up judges them,
 * with every registered stage kind, the roles of config/access.yml and the pipelines just checked.
 */
export function checkRunbooks(
  settings: Settings,
  pipelines: readonly { name: string }[],
): { dir: string; runbooks: string[]; errors: string[] } {
  const dir = defaultRunbooksDir(settings.CONFIG_DIR);
  const roles = Object.keys(loadYamlFile(join(settings.CONFIG_DIR, 'access.yml'), accessFileSchema).roles);
  const { runbooks, errors } = checkRunbookFiles(dir, registeredStageKinds(settings), { roles, pipelines: pipelines.map((p) => p.name) });
  return { dir, runbooks: runbooks.map((r) => r.def.name), errors };
}
