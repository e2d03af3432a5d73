import { z } from 'zod';
import { checkWorkflowFiles, type KindSchema } from '../domain/pipelines/load.js';
import { githubSettings, gitlabSettings, jenkinsSettings } from '../domain/pipelines/kinds/ci.js';
import { httpSettings } from '../domain/pipelines/kinds/http.js';
import { shellSettings } from '../domain/pipelines/kinds/shell.js';

/**
 * `npm run workflows:check [dir]`: validates pipeline files without starting the bot. The
 * built-in kinds are checked with their real schemas; `approval` and `inspect` come from other
 * modules, so they are accepted with any settings here (the bot checks them fully at start-up).
 */
const KINDS: KindSchema[] = [
  { kind: 'shell', settings: shellSettings },
  { kind: 'http', settings: httpSettings },
  { kind: 'github-actions', settings: githubSettings },
  { kind: 'gitlab', settings: gitlabSettings },
  { kind: 'jenkins', settings: jenkinsSettings },
  { kind: 'approval', settings: z.record(z.string(), z.unknown()) },
  { kind: 'inspect', settings: z.record(z.string(), z.unknown()) },
];

const dir = process.argv[2] ?? process.env.WORKFLOWS_DIR ?? 'workflows';
const { pipelines, errors } = checkWorkflowFiles(dir, KINDS);
if (errors.length) {
  process.stderr.write(`workflows:check: ${errors.length} problem(s) in ${dir}:\n  ${errors.join('\n  ')}\n`);
  process.exit(1);
}
process.stdout.write(`workflows:check: ${pipelines.length} pipeline(s) in ${dir} are valid: ${pipelines.map((p) => p.name).join(', ')}\n`);
