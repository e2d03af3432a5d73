import type { Settings } from '../config/settings.js';
import { checkWorkflowFiles } from '../domain/pipelines/load.js';
import { registeredStageKinds } from './stage-kinds.js';

/**
 * The workflows:check code path, shared by `npm run workflows:check` and `npm run doctor` so both
 * judge pipeline files with every stage kind the app registers and its real schema (approval
 * policies and inspector names from config/approvals.yml and config/inspectors.yml, as the modules
 * load them). Throws ConfigError when those files are bad.
 */
export function checkWorkflows(
  settings: Settings,
  dir: string = settings.WORKFLOWS_DIR,
): { dir: string; pipelines: { name: string }[]; errors: string[] } {
  const { pipelines, errors } = checkWorkflowFiles(dir, registeredStageKinds(settings));
  return { dir, pipelines, errors };
}
