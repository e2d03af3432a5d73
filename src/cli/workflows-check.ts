import { loadSettings } from '../config/settings.js';
import { ConfigError } from '../core/errors.js';
import { checkWorkflows } from './workflows-lib.js';
import { checkRunbooks } from './runbooks-check.js';

/**
 * `npm run workflows:check [dir]`: validates pipeline files without starting the bot or touching
 * Redis, with every stage kind the app registers and its real schema (approval policies and
 * inspector names come from config/approvals.yml and config/inspectors.yml, as the modules load
 * them). Exits 1 with file, path and problem.
 */
function main(): number {
  try {
    const settings = loadSettings(process.env);
    const { dir, pipelines, errors: pipelineErrors } = checkWorkflows(settings, process.argv[2] ?? settings.WORKFLOWS_DIR);
    const runbooks = checkRunbooks(settings, pipelines);
    const errors = [...pipelineErrors, ...runbooks.errors];
    if (errors.length) {
      process.stderr.write(`workflows:check: ${errors.length} problem(s) in ${dir}:\n  ${errors.join('\n  ')}\n`);
      return 1;
    }
    process.stdout.write(
      `workflows:check: ${pipelines.length} pipeline(s) in ${dir} are valid: ${pipelines.map((p) => p.name).join(', ')}\n` +
        `workflows:check: ${runbooks.runbooks.length} runbook(s) in ${runbooks.dir} are valid: ${runbooks.runbooks.join(', ')}\n`,
    );
    return 0;
  } catch (err) {
    process.stderr.write(`workflows:check: ${err instanceof ConfigError ? err.message : String(err)}\n`);
    return 1;
  }
}

process.exit(main());
