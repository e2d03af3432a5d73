import { parseArgs } from 'node:util';
import { loadSettings, type Settings } from '../config/settings.js';
import { SwitchyardError } from '../core/errors.js';
import {
  checkChannels,
  checkCi,
  checkConsul,
  checkEmails,
  checkGroups,
  checkToken,
  checkUsers,
  checkVault,
  manifestScopes,
  type Result,
} from './doctor-checks.js';
import { checkIntegrations } from './doctor-integrations.js';
import { checkPaging } from './doctor-paging.js';
import { collectRefs } from './doctor-refs.js';
import { SlackReader } from './slack-api.js';
import { checkWorkflows } from './workflows-lib.js';

/**
 * `npm run doctor [-- --manifest FILE]`: checks a configuration (the same settings and CONFIG_DIR /
 * WORKFLOWS_DIR the bot would run with) against Slack and the other sources it names. Prints one
 * line per check, `ok` or `FAIL` with a fix, and exits 1 when anything failed.
 */
function print(r: Result): void {
  process.stdout.write(r.ok ? `ok    ${r.check}: ${r.detail}\n` : `FAIL  ${r.check}: ${r.detail} -> fix: ${r.fix ?? ''}\n`);
}

/** A check that throws (Slack unreachable, a file unreadable) is itself a failure, not a crash. */
async function guarded(check: string, fix: string, run: () => Promise<Result[]> | Result[]): Promise<Result[]> {
  try {
    return await run();
  } catch (err) {
    return [{ ok: false, check, detail: err instanceof Error ? err.message.split('\n').join(' ') : String(err), fix }];
  }
}

function workflows(settings: Settings): Result[] {
  const { dir, pipelines, errors } = checkWorkflows(settings);
  if (!errors.length) return [{ ok: true, check: 'workflows', detail: `${pipelines.length} pipeline(s) in ${dir} are valid` }];
  return errors.map((e) => ({
    ok: false,
    check: 'workflows',
    detail: e,
    fix: 'Correct the file (`npm run workflows:check` shows the same).',
  }));
}

async function main(): Promise<number> {
  const { values } = parseArgs({ args: process.argv.slice(2), options: { manifest: { type: 'string', default: 'manifest.yml' } } });
  let settings: Settings;
  try {
    settings = loadSettings(process.env);
  } catch (err) {
    print({
      ok: false,
      check: 'settings',
      detail: (err as Error).message.split('\n').join(' '),
      fix: 'Correct the environment variables named (see README "Settings").',
    });
    return 1;
  }
  const results: Result[] = [];
  const add = (rs: Result[]) => rs.forEach((r) => (results.push(r), print(r)));

  const config = collectRefs(settings.CONFIG_DIR, ['workspace.yml']);
  const wf = collectRefs(settings.WORKFLOWS_DIR);
  const refs = [...config.refs, ...wf.refs];
  add([...config.errors, ...wf.errors].map((e) => ({ ok: false, check: 'config', detail: e, fix: 'Correct the YAML.' })));

  if (!settings.SLACK_BOT_TOKEN) {
    add([
      {
        ok: false,
        check: 'slack token',
        detail: 'SLACK_BOT_TOKEN is not set',
        fix: 'Export the Bot User OAuth Token (xoxb-...) the bot runs with.',
      },
    ]);
  } else {
    const slack = new SlackReader(settings.SLACK_BOT_TOKEN, settings.SLACK_API_URL);
    const slackFix = 'Check SLACK_API_URL and the network path to Slack.';
    const token = await guarded('slack token', slackFix, async () => checkToken(slack, manifestScopes(values.manifest)));
    add(token);
    // Without a working token every lookup would fail the same way: the token line says it once.
    if (!token.some((r) => !r.ok && r.check === 'slack token')) {
      add(await guarded('channels', slackFix, () => checkChannels(slack, refs)));
      add(await guarded('users', slackFix, () => checkUsers(slack, refs)));
      add(await guarded('groups', slackFix, () => checkGroups(slack, refs)));
      add(await guarded('emails', slackFix, () => checkEmails(slack, refs)));
    }
  }
  add(await checkVault(settings));
  add(await checkConsul(settings));
  add(await checkCi(settings));
  add(await checkPaging(settings));
  add(await checkIntegrations(settings));
  add(await guarded('workflows', 'Correct the config file named.', () => workflows(settings)));
  return finish(results);
}

function finish(results: Result[]): number {
  const failed = results.filter((r) => !r.ok).length;
  process.stdout.write(`doctor: ${results.length} check(s), ${failed ? `${failed} FAILED` : 'all ok'}\n`);
  return failed ? 1 : 0;
}

process.exit(
  await main().catch((err: unknown) => {
    process.stderr.write(`doctor: ${err instanceof SwitchyardError || err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }),
);
