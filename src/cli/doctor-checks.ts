import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import type { Settings } from '../config/settings.js';
import { byId, type Ref } from './doctor-refs.js';
import type { SlackReader } from './slack-api.js';

/**
 * The checks of `npm run doctor`. Each yields result lines; a failing one carries a fix hint.
 * They only read: no message is posted, no channel joined, nothing written anywhere.
 */
export interface Result {
  ok: boolean;
  check: string;
  detail: string;
  fix?: string;
}

const ok = (check: string, detail: string): Result => ({ ok: true, check, detail });
const fail = (check: string, detail: string, fix: string): Result => ({ ok: false, check, detail, fix });
const named = (where: string[]) => `named in ${where[0]}${where.length > 1 ? ` and ${where.length - 1} more place(s)` : ''}`;

/** The bot scopes manifest.yml asks for (oauth_config.scopes.bot). */
export function manifestScopes(file: string): string[] {
  const doc = parse(readFileSync(file, 'utf8')) as { oauth_config?: { scopes?: { bot?: unknown } } } | null;
  const bot = doc?.oauth_config?.scopes?.bot;
  return Array.isArray(bot) ? bot.map(String) : [];
}

/** auth.test answers, and the token holds every scope the manifest asks for (`x-oauth-scopes`). */
export async function checkToken(slack: SlackReader, wanted: string[]): Promise<Result[]> {
  const { body, headers } = await slack.call('auth.test');
  if (!body.ok)
    return [
      fail(
        'slack token',
        `auth.test answered ${body.error}`,
        'Set SLACK_BOT_TOKEN to the Bot User OAuth Token of the installed app (xoxb-...).',
      ),
    ];
  const out = [ok('slack token', `works for workspace ${String(body.team)} as @${String(body.user)} (${String(body.user_id)})`)];
  const header = headers.get('x-oauth-scopes');
  if (header === null)
    return [
      ...out,
      fail(
        'slack scopes',
        'Slack sent no x-oauth-scopes header',
        'Check that SLACK_API_URL points at Slack (https://slack.com/api/) and not at a proxy that drops headers.',
      ),
    ];
  const granted = new Set(
    header
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  );
  const missing = wanted.filter((s) => !granted.has(s));
  out.push(
    missing.length
      ? fail(
          'slack scopes',
          `the token lacks ${missing.join(', ')}`,
          'Add them under OAuth & Permissions (or re-create the app from manifest.yml), reinstall the app, and use the new token.',
        )
      : ok('slack scopes', `all ${wanted.length} scopes of the manifest are granted`),
  );
  return out;
}

export async function checkChannels(slack: SlackReader, refs: Ref[]): Promise<Result[]> {
  const out: Result[] = [];
  for (const [id, where] of byId(refs, 'channel')) {
    const check = `channel ${id}`;
    const { body } = await slack.call('conversations.info', { channel: id });
    const ch = body.channel as { name?: string; is_member?: boolean; is_archived?: boolean } | undefined;
    if (!body.ok || !ch) {
      const problem =
        body.error === 'channel_not_found'
          ? 'does not exist (or is private and the bot is not in it)'
          : `conversations.info answered ${body.error}`;
      out.push(
        fail(
          check,
          `${problem}; ${named(where)}`,
          'Put the id of an existing channel there (channel details > About, at the bottom), or invite the bot to the private channel.',
        ),
      );
    } else if (ch.is_archived) {
      out.push(fail(check, `#${ch.name} is archived; ${named(where)}`, 'Unarchive it, or name another channel.'));
    } else if (!ch.is_member) {
      out.push(fail(check, `the bot is not a member of #${ch.name}; ${named(where)}`, `Invite it: /invite @<bot> in #${ch.name}.`));
    } else {
      out.push(ok(check, `#${ch.name}, the bot is a member`));
    }
  }
  return out;
}

export async function checkUsers(slack: SlackReader, refs: Ref[]): Promise<Result[]> {
  const out: Result[] = [];
  for (const [id, where] of byId(refs, 'user')) {
    const { body } = await slack.call('users.info', { user: id });
    const user = body.user as { name?: string; deleted?: boolean } | undefined;
    if (!body.ok || !user)
      out.push(
        fail(
          `user ${id}`,
          `${body.error === 'user_not_found' ? 'no such user' : `users.info answered ${body.error}`}; ${named(where)}`,
          "Use the member id from the person's profile (More > Copy member ID).",
        ),
      );
    else if (user.deleted)
      out.push(fail(`user ${id}`, `@${user.name} is deactivated; ${named(where)}`, 'Remove the id, or name who took over.'));
    else out.push(ok(`user ${id}`, `@${user.name}`));
  }
  return out;
}

/** On-call emails are looked up when an incident pages them: each must belong to an active user. */
export async function checkEmails(slack: SlackReader, refs: Ref[]): Promise<Result[]> {
  const out: Result[] = [];
  for (const [email, where] of byId(refs, 'email')) {
    const { body } = await slack.call('users.lookupByEmail', { email });
    const user = body.user as { id?: string; name?: string; deleted?: boolean } | undefined;
    if (!body.ok || !user || user.deleted) {
      const problem = body.ok
        ? 'belongs to a deactivated user'
        : body.error === 'users_not_found'
          ? 'no user has this email'
          : `users.lookupByEmail answered ${body.error}`;
      out.push(
        fail(`email ${email}`, `${problem}; ${named(where)}`, 'Use the email of an active member of the workspace, or their user id.'),
      );
    } else out.push(ok(`email ${email}`, `@${user.name} (${user.id})`));
  }
  return out;
}

export async function checkGroups(slack: SlackReader, refs: Ref[]): Promise<Result[]> {
  const out: Result[] = [];
  for (const [id, where] of byId(refs, 'group')) {
    const { body } = await slack.call('usergroups.users.list', { usergroup: id });
    if (!body.ok)
      out.push(
        fail(
          `group ${id}`,
          `${body.error === 'no_such_subteam' ? 'no such user group' : `usergroups.users.list answered ${body.error}`}; ${named(where)}`,
          'Use the id of an existing user group (usergroups.list, or `npm run init` lists them).',
        ),
      );
    else out.push(ok(`group ${id}`, `${(body.users as unknown[] | undefined)?.length ?? 0} member(s)`));
  }
  return out;
}

/** GET a URL; the HTTP status or the network error, within a few seconds. */
async function probe(url: string, headers: Record<string, string> = {}): Promise<{ status: number; text: string } | { error: string }> {
  try {
    const res = await fetch(url, { headers, signal: AbortSignal.timeout(5000) });
    return { status: res.status, text: await res.text() };
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    return { error: cause?.code ?? cause?.message ?? (err as Error).message };
  }
}

const base = (u: string) => u.replace(/\/+$/, '');

export async function checkVault(s: Settings): Promise<Result[]> {
  if (!s.VAULT_ADDR) return [];
  const ns: Record<string, string> = s.VAULT_NAMESPACE ? { 'x-vault-namespace': s.VAULT_NAMESPACE } : {};
  const health = await probe(`${base(s.VAULT_ADDR)}/v1/sys/health`, ns);
  if ('error' in health)
    return [fail('vault', `${s.VAULT_ADDR} does not answer (${health.error})`, 'Check VAULT_ADDR and that Vault is reachable from here.')];
  // 429 and 473 are healthy standbys; 501 not initialised, 503 sealed.
  if (![200, 429, 472, 473].includes(health.status))
    return [
      fail(
        'vault',
        `sys/health answered ${health.status}${health.status === 503 ? ' (sealed)' : ''}`,
        'Unseal or initialise Vault, or point VAULT_ADDR at an active node.',
      ),
    ];
  if (!s.VAULT_TOKEN) return [ok('vault', `${s.VAULT_ADDR} answers (AppRole login is tried at start-up)`)];
  const self = await probe(`${base(s.VAULT_ADDR)}/v1/auth/token/lookup-self`, { ...ns, 'x-vault-token': s.VAULT_TOKEN });
  if ('error' in self || self.status !== 200)
    return [
      fail(
        'vault',
        `token lookup-self answered ${'error' in self ? self.error : self.status}`,
        'VAULT_TOKEN is expired or wrong: issue a new one.',
      ),
    ];
  return [ok('vault', `${s.VAULT_ADDR} answers and VAULT_TOKEN is valid`)];
}

export async function checkConsul(s: Settings): Promise<Result[]> {
  if (!s.CONSUL_HTTP_ADDR) return [];
  const res = await probe(
    `${base(s.CONSUL_HTTP_ADDR)}/v1/status/leader`,
    s.CONSUL_HTTP_TOKEN ? { 'x-consul-token': s.CONSUL_HTTP_TOKEN } : {},
  );
  if ('error' in res)
    return [
      fail(
        'consul',
        `${s.CONSUL_HTTP_ADDR} does not answer (${res.error})`,
        'Check CONSUL_HTTP_ADDR and that Consul is reachable from here.',
      ),
    ];
  let leader = '';
  try {
    leader = res.status === 200 ? String(JSON.parse(res.text)) : '';
  } catch {
    leader = '';
  }
  if (!leader)
    return [
      fail('consul', `status/leader answered ${res.status} without a leader`, 'The Consul cluster has no leader: check its servers.'),
    ];
  return [ok('consul', `${s.CONSUL_HTTP_ADDR} answers, leader ${leader}`)];
}

/** A CI backend answers (any HTTP status below 500); with credentials, they are accepted. */
async function ci(name: string, url: string, headers: Record<string, string>, hasCredentials: boolean, setting: string): Promise<Result> {
  const res = await probe(url, headers);
  if ('error' in res) return fail(name, `${url} does not answer (${res.error})`, `Check ${setting} and the network path to it.`);
  if (res.status >= 500) return fail(name, `${url} answered ${res.status}`, `The server is failing; check ${setting}.`);
  if (hasCredentials && (res.status === 401 || res.status === 403))
    return fail(name, `${url} refused the credentials (${res.status})`, `Renew the token for ${name}.`);
  return ok(name, `${url} answers (${res.status})`);
}

export async function checkCi(s: Settings): Promise<Result[]> {
  const out: Result[] = [];
  if (s.GITHUB_TOKEN)
    out.push(
      await ci(
        'github',
        `${base(s.GITHUB_API_URL)}/rate_limit`,
        { authorization: `Bearer ${s.GITHUB_TOKEN}`, accept: 'application/vnd.github+json' },
        true,
        'GITHUB_API_URL',
      ),
    );
  if (s.GITLAB_URL)
    out.push(
      await ci(
        'gitlab',
        `${base(s.GITLAB_URL)}/api/v4/version`,
        s.GITLAB_TOKEN ? { 'private-token': s.GITLAB_TOKEN } : {},
        Boolean(s.GITLAB_TOKEN),
        'GITLAB_URL',
      ),
    );
  if (s.JENKINS_URL) {
    const auth: Record<string, string> =
      s.JENKINS_USER && s.JENKINS_API_TOKEN
        ? { authorization: `Basic ${Buffer.from(`${s.JENKINS_USER}:${s.JENKINS_API_TOKEN}`).toString('base64')}` }
        : {};
    out.push(await ci('jenkins', `${base(s.JENKINS_URL)}/api/json`, auth, Boolean(auth.authorization), 'JENKINS_URL'));
  }
  return out;
}
