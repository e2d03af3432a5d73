import { join } from 'node:path';
import type { Settings } from '../config/settings.js';
import { loadYamlFile } from '../core/config/yaml-file.js';
import { approvalStageSettings } from '../domain/approvals/module.js';
import { approvalsFileSchema } from '../domain/approvals/policy.js';
import { loadInspectConfig } from '../domain/inspect/config.js';
import { inspectSettingsSchema } from '../domain/inspect/stage.js';
import { githubSettings, gitlabSettings, jenkinsSettings } from '../domain/pipelines/kinds/ci.js';
import { httpSettings } from '../domain/pipelines/kinds/http.js';
import { checkWorkflowFiles, type KindSchema } from '../domain/pipelines/load.js';
import { shellSettings } from '../domain/pipelines/kinds/shell.js';

/**
 * The workflows:check code path, shared by `npm run workflows:check` and `npm run doctor` so both
 * judge pipeline files with every stage kind's real schema (approval policies and inspector names
 * from config/approvals.yml and config/inspectors.yml). Throws ConfigError when those files are bad.
 */
export function checkWorkflows(settings: Settings, dir: string = settings.WORKFLOWS_DIR): { dir: string; pipelines: { name: string }[]; errors: string[] } {
  const approvals = loadYamlFile(join(settings.CONFIG_DIR, 'approvals.yml'), approvalsFileSchema);
  const inspect = loadInspectConfig(settings.CONFIG_DIR);
  const kinds: KindSchema[] = [
    { kind: 'shell', settings: shellSettings },
    { kind: 'http', settings: httpSettings },
    { kind: 'github-actions', settings: githubSettings },
    { kind: 'gitlab', settings: gitlabSettings },
    { kind: 'jenkins', settings: jenkinsSettings },
    { kind: 'approval', settings: approvalStageSettings(Object.keys(approvals.policies)) },
    { kind: 'inspect', settings: inspectSettingsSchema(inspect) },
  ];
  const { pipelines, errors } = checkWorkflowFiles(dir, kinds);
  return { dir, pipelines, errors };
}
