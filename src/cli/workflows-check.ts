import { join } from 'node:path';
import { loadSettings } from '../config/settings.js';
import { loadYamlFile } from '../core/config/yaml-file.js';
import { ConfigError } from '../core/errors.js';
import { approvalStageSettings } from '../app/modules/approvals.js';
import { approvalsFileSchema } from '../domain/approvals/policy.js';
import { loadInspectConfig } from '../domain/inspect/config.js';
import { inspectSettingsSchema } from '../domain/inspect/stage.js';
import { githubSettings, gitlabSettings, jenkinsSettings } from '../domain/pipelines/kinds/ci.js';
import { httpSettings } from '../domain/pipelines/kinds/http.js';
import { checkWorkflowFiles, type KindSchema } from '../domain/pipelines/load.js';
import { shellSettings } from '../domain/pipelines/kinds/shell.js';

/**
 * `npm run workflows:check [dir]`: validates pipeline files without starting the bot or touching
 * Redis, with every stage kind's real schema (approval policies and inspector names come from
 * config/approvals.yml and config/inspectors.yml). Exits 1 with file, path and problem.
 */
function main(): number {
  let settings;
  try {
    settings = loadSettings(process.env);
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
    const dir = process.argv[2] ?? settings.WORKFLOWS_DIR;
    const { pipelines, errors } = checkWorkflowFiles(dir, kinds);
    if (errors.length) {
      process.stderr.write(`workflows:check: ${errors.length} problem(s) in ${dir}:\n  ${errors.join('\n  ')}\n`);
      return 1;
    }
    process.stdout.write(`workflows:check: ${pipelines.length} pipeline(s) in ${dir} are valid: ${pipelines.map((p) => p.name).join(', ')}\n`);
    return 0;
  } catch (err) {
    process.stderr.write(`workflows:check: ${err instanceof ConfigError ? err.message : String(err)}\n`);
    return 1;
  }
}

process.exit(main());
