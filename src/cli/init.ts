import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { settingsSchema } from '../config/settings.js';
import { SwitchyardError, UsageError } from '../core/errors.js';
import { renderConfig, type Choices, type Workspace, type WsChannel, type WsGroup, type WsUser } from './init-render.js';
import { SlackReader } from './slack-api.js';

/**
 * `npm run init -- [--out DIR] [--force] --approvers @group --noc #ch --helpdesk #ch
 * --stakeholders #ch [--announce #ch] [--approvals #ch] [--admin @user]`: reads users, user groups
 * and channels through the Web API with SLACK_BOT_TOKEN (SLACK_API_URL for another base URL) and
 * writes starter access.yml, approvals.yml and incidents.yml with real ids. Anything not given as a
 * flag is asked when stdin is a terminal. Bad input writes nothing and exits 1.
 */
const FILES = ['access.yml', 'approvals.yml', 'incidents.yml'];
const USAGE =
  'usage: npm run init -- --approvers @group --noc #channel --helpdesk #channel --stakeholders #channel' +
  ' [--announce #channel] [--approvals #channel] [--admin @user] [--out DIR] [--force]';

// Only the two settings init needs: the full settings would also demand the signing secret.
const envSchema = z.object({ SLACK_BOT_TOKEN: settingsSchema.shape.SLACK_BOT_TOKEN, SLACK_API_URL: settingsSchema.shape.SLACK_API_URL });

function flags(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      strict: true,
      options: {
        out: { type: 'string', default: 'config.new' },
        force: { type: 'boolean', default: false },
        approvers: { type: 'string', multiple: true },
        admin: { type: 'string', multiple: true },
        noc: { type: 'string' },
        helpdesk: { type: 'string' },
        stakeholders: { type: 'string' },
        announce: { type: 'string' },
        approvals: { type: 'string' },
      },
    }).values;
  } catch (err) {
    throw new UsageError((err as Error).message, [USAGE]);
  }
}

async function readWorkspace(slack: SlackReader): Promise<Workspace> {
  const team = await slack.must('auth.test');
  const [users, groups, channels] = await Promise.all([
    slack.all<WsUser>('users.list', 'members'),
    slack.must('usergroups.list').then((b) => (b.usergroups as WsGroup[] | undefined) ?? []),
    slack.all<WsChannel>('conversations.list', 'channels', { types: 'public_channel,private_channel', exclude_archived: true }),
  ]);
  return { team: String(team.team ?? team.team_id ?? ''), users, groups: groups.filter((g) => !g.date_delete), channels };
}

const bare = (ref: string, sigil: string) =>
  ref
    .trim()
    .replace(new RegExp(`^${sigil}`), '')
    .toLowerCase();

function findChannel(ws: Workspace, ref: string, flag: string): WsChannel {
  const r = bare(ref, '#');
  const ch = ws.channels.find((c) => c.id.toLowerCase() === r || c.name.toLowerCase() === r);
  if (!ch)
    throw new UsageError(`--${flag} ${ref}: no channel by that name or id that the bot can see`, [
      `channels: ${ws.channels.map((c) => `#${c.name}`).join(' ') || 'none'} (a private channel shows once the bot is invited)`,
    ]);
  return ch;
}

function findGroup(ws: Workspace, ref: string): WsGroup {
  const r = bare(ref, '@');
  const g = ws.groups.find((x) => x.id.toLowerCase() === r || x.handle.toLowerCase() === r || x.name.toLowerCase() === r);
  if (!g)
    throw new UsageError(`--approvers ${ref}: no user group by that handle or id`, [
      `user groups: ${ws.groups.map((x) => `@${x.handle}`).join(' ') || 'none'}`,
    ]);
  return g;
}

function findUser(ws: Workspace, ref: string): WsUser {
  const r = bare(ref, '@');
  const u = ws.users.find(
    (x) => !x.deleted && (x.id.toLowerCase() === r || x.name.toLowerCase() === r || x.profile?.email?.toLowerCase() === r),
  );
  if (!u) throw new UsageError(`--admin ${ref}: no active user by that handle, email or id`);
  return u;
}

type Ask = (question: string) => Promise<string>;

/** Shown in a prompt: enough to recognise names, not a whole large workspace. */
const few = (names: string[]) => (names.length > 40 ? `${names.slice(0, 40).join(' ')} ... ${names.length - 40} more` : names.join(' '));

/**
 * A value from its flag, else from the terminal (asked again after a wrong name, up to 3 times),
 * else a usage error naming the flag.
 */
async function answer<T>(
  given: string | undefined,
  flag: string,
  ask: Ask | undefined,
  question: string,
  find: (ref: string) => T,
): Promise<T> {
  if (given) return find(given);
  if (!ask) throw new UsageError(`--${flag} is missing (stdin is not a terminal to ask)`, [USAGE]);
  for (let attempt = 1; ; attempt++) {
    const ref = (await ask(question)).trim();
    if (!ref) throw new UsageError(`--${flag} is missing`, [USAGE]);
    try {
      return find(ref);
    } catch (err) {
      if (attempt >= 3 || !(err instanceof UsageError)) throw err;
      process.stderr.write(`${err.message}\n`);
    }
  }
}

async function choose(ws: Workspace, f: ReturnType<typeof flags>, ask: Ask | undefined): Promise<Choices> {
  const channelList = few(ws.channels.map((c) => `#${c.name}`));
  const groups = (refs: string) => {
    const found = refs
      .split(/[\s,]+/)
      .filter(Boolean)
      .map((r) => findGroup(ws, r));
    if (!found.length) throw new UsageError('--approvers names no user group', [USAGE]);
    return found;
  };
  const channel = (flag: 'noc' | 'helpdesk' | 'stakeholders', what: string) =>
    answer(f[flag], flag, ask, `Which channel is ${what}? (${channelList}) `, (ref) => findChannel(ws, ref, flag));
  const optional = (flag: 'announce' | 'approvals') => (f[flag] ? findChannel(ws, f[flag], flag) : undefined);
  return {
    approvers: await answer(
      f.approvers?.join(','),
      'approvers',
      ask,
      `Which user groups approve production deployments? (${few(ws.groups.map((g) => `@${g.handle}`))}) `,
      groups,
    ),
    noc: await channel('noc', 'the NOC (operations alerts)'),
    helpdesk: await channel('helpdesk', 'the help desk'),
    stakeholders: await channel('stakeholders', 'for stakeholders (business updates)'),
    announce: optional('announce'),
    approvals: optional('approvals'),
    admins: (f.admin ?? []).map((r) => findUser(ws, r)),
  };
}

async function main(): Promise<number> {
  const rl = process.stdin.isTTY ? createInterface({ input: process.stdin, output: process.stderr }) : undefined;
  try {
    const f = flags(process.argv.slice(2));
    const env = envSchema.safeParse(Object.fromEntries(Object.entries(process.env).filter(([, v]) => v)));
    if (!env.success) throw new UsageError(`bad setting: ${env.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    if (!env.data.SLACK_BOT_TOKEN)
      throw new UsageError('SLACK_BOT_TOKEN is not set', [
        'Install the app (manifest.yml) and export its Bot User OAuth Token (xoxb-...).',
      ]);
    const existing = FILES.filter((n) => existsSync(join(f.out, n)));
    if (existing.length && !f.force)
      throw new UsageError(`${f.out} already has ${existing.join(', ')}; nothing was written`, [
        'Pass --force to overwrite, or --out another folder.',
      ]);
    const ws = await readWorkspace(new SlackReader(env.data.SLACK_BOT_TOKEN, env.data.SLACK_API_URL));
    const choices = await choose(ws, f, rl ? (q) => rl.question(q) : undefined);
    const files = renderConfig(ws, choices, f.out);
    mkdirSync(f.out, { recursive: true });
    for (const [name, text] of files) writeFileSync(join(f.out, name), text);
    process.stdout.write(
      `init: wrote ${[...files.keys()].map((n) => join(f.out, n)).join(', ')} from workspace ${ws.team}` +
        ` (${ws.users.length} users, ${ws.groups.length} groups, ${ws.channels.length} channels)\n`,
    );
    const outside = [choices.noc, choices.helpdesk, choices.stakeholders, choices.announce, choices.approvals].filter(
      (c) => c && c.is_member === false,
    );
    if (outside.length)
      process.stdout.write(
        `init: invite the bot to ${outside.map((c) => `#${c?.name}`).join(', ')} (\`/invite @bot\`), then run \`npm run doctor\`\n`,
      );
    return 0;
  } catch (err) {
    const hints = err instanceof SwitchyardError ? err.hints : [];
    process.stderr.write(`init: ${err instanceof Error ? err.message : String(err)}\n${hints.map((h) => `  ${h}\n`).join('')}`);
    return 1;
  } finally {
    rl?.close();
  }
}

process.exit(await main());
