import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { accessFileSchema } from '../../src/core/access.js';
import { loadYamlFile } from '../../src/core/config/yaml-file.js';
import { approvalsFileSchema } from '../../src/domain/approvals/policy.js';
import { loadIncidentsConfig } from '../../src/domain/incidents/config.js';
import { loadWorkspaceSeed, startLocalSlack, type LocalSlack, type WorkspaceSeed } from '../../src/local-slack/index.js';
import { FakeVault } from '../fakes/vault.js';

/**
 * `npm run init` and `npm run doctor` run as real child processes against the local Slack
 * workspace (config/workspace.yml's seed) on loopback, the way an operator runs them.
 */
const TOKEN = 'xoxb-init-doctor-test';
const SECRET = 'signing-secret-for-tests';
const BOT = { botUserId: 'U0SWITCHYARD', botId: 'B0SWITCHYARD' };
const seed = (): WorkspaceSeed => structuredClone(loadWorkspaceSeed('config/workspace.yml'));

const tmp = mkdtempSync(join(tmpdir(), 'switchyard-init-doctor-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const dir = (name: string) => mkdtempSync(join(tmp, `${name}-`));

const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

async function workspace(s: WorkspaceSeed = seed()): Promise<LocalSlack> {
  const ls = await startLocalSlack({ seed: s, signingSecret: SECRET, botToken: TOKEN, ...BOT });
  open.push(ls);
  return ls;
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a CLI with only the environment given (nothing of Vault/Consul/CI leaks in from the host). */
function cli(file: string, args: string[], env: Record<string, string | undefined>): Promise<Run> {
  const clean = Object.fromEntries(
    Object.entries({ PATH: process.env.PATH, HOME: process.env.HOME, ...env }).filter(([, v]) => v !== undefined),
  ) as Record<string, string>;
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', file, ...args],
      { env: clean, encoding: 'utf8', timeout: 60_000 },
      (err, stdout, stderr) => {
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
      },
    );
  });
}

const slackEnv = (ls: LocalSlack) => ({ SLACK_BOT_TOKEN: TOKEN, SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: ls.apiUrl });
const init = (ls: LocalSlack | undefined, args: string[], env: Record<string, string> = {}) =>
  cli('src/cli/init.ts', args, { ...(ls ? slackEnv(ls) : {}), ...env });
const doctor = (ls: LocalSlack, env: Record<string, string> = {}) => cli('src/cli/doctor.ts', [], { ...slackEnv(ls), ...env });
const GOOD = [
  '--approvers',
  '@prod-approvers',
  '--noc',
  '#noc',
  '--helpdesk',
  'helpdesk',
  '--stakeholders',
  '#stakeholders',
  '--announce',
  '#incidents',
  '--admin',
  '@alice',
];

describe('npm run init', () => {
  it('writes access, approvals and incidents files that the bot loads, with the ids it read from Slack over several pages', async () => {
    // 250 channels before the real ones: the chosen channels are only on conversations.list's second page.
    const s = seed();
    s.channels = [...Array.from({ length: 250 }, (_, i) => ({ id: `C1FILL${i}`, name: `filler-${i}`, members: [] })), ...s.channels];
    const ls = await workspace(s);
    const out = join(dir('init'), 'config.new');

    const res = await init(ls, ['--out', out, ...GOOD]);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    const pages = ls.calls('conversations.list');
    expect(pages.length).toBeGreaterThanOrEqual(2);
    expect(pages[1]?.args.cursor).toBeTruthy();

    const access = loadYamlFile(join(out, 'access.yml'), accessFileSchema);
    expect(access.roles.admin?.users).toEqual(['U0ALICE']);
    expect(access.roles.approver?.groups).toEqual(['S0APPROVERS']);
    const approvals = loadYamlFile(join(out, 'approvals.yml'), approvalsFileSchema);
    expect(approvals.environments.production?.approvers.roles).toEqual(['approver']);
    const incidents = loadIncidentsConfig(join(out, 'incidents.yml'));
    expect(incidents.announce_channel).toBe('C0INCIDENTS');
    expect(incidents.notify.SEV1).toEqual({ stakeholders: ['C0STAKE'], noc: ['C0NOC'], helpdesk: ['C0HELPDESK'] });
    expect(incidents.notify.SEV4?.noc).toEqual(['C0NOC']);
    // The comments list the workspace's real ids to copy from.
    expect(readFileSync(join(out, 'access.yml'), 'utf8')).toContain('#   U0GRACE  @grace  Grace Guest');
  });

  it('writes into an existing config folder that doctor then passes', async () => {
    const ls = await workspace();
    const config = dir('config');
    cpSync('config', config, { recursive: true });
    const refused = await init(ls, ['--out', config, ...GOOD]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('already has access.yml, approvals.yml, incidents.yml; nothing was written');
    expect(readFileSync(join(config, 'access.yml'), 'utf8')).toBe(readFileSync('config/access.yml', 'utf8'));

    expect((await init(ls, ['--out', config, '--force', ...GOOD])).code).toBe(0);
    const res = await doctor(ls, { CONFIG_DIR: config });
    expect(res.stdout).not.toContain('FAIL');
    expect(res.code).toBe(0);
  });

  it.each([
    [['--approvers', '@nobody'], '--approvers @nobody: no user group by that handle or id'],
    [['--noc', '#no-such-channel'], '--noc #no-such-channel: no channel by that name or id'],
    [['--admin', '@mallory'], '--admin @mallory: no active user'],
    [['--sev', '1'], "Unknown option '--sev'"],
  ])('refuses %j, names it and writes nothing', async (bad, message) => {
    const ls = await workspace();
    const out = join(dir('bad'), 'config.new');
    const res = await init(ls, ['--out', out, ...GOOD, ...bad]);
    expect(res.code).not.toBe(0);
    expect(res.stderr).toContain(message);
    expect(existsSync(out)).toBe(false);
  });

  it('without a terminal, a missing answer is an error naming the flag, and nothing is written', async () => {
    const ls = await workspace();
    const out = join(dir('missing'), 'config.new');
    const res = await init(ls, ['--out', out, '--approvers', '@sre', '--noc', '#noc', '--stakeholders', '#stakeholders']);
    expect(res.code).not.toBe(0);
    expect(res.stderr).toContain('--helpdesk is missing (stdin is not a terminal to ask)');
    expect(existsSync(out)).toBe(false);
  });

  it("without a token it says so and writes nothing; a wrong token is Slack's invalid_auth", async () => {
    const out = join(dir('token'), 'config.new');
    const none = await init(undefined, ['--out', out, ...GOOD]);
    expect(none.code).not.toBe(0);
    expect(none.stderr).toContain('SLACK_BOT_TOKEN is not set');
    const ls = await workspace();
    const wrong = await init(ls, ['--out', out, ...GOOD], { SLACK_BOT_TOKEN: 'xoxb-wrong' });
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toContain('auth.test failed: invalid_auth');
    expect(existsSync(out)).toBe(false);
  });
});

describe('npm run doctor', () => {
  it('passes on the shipped configuration against the local workspace', async () => {
    const ls = await workspace();
    const res = await doctor(ls);
    expect(res.stdout).toContain('ok    slack scopes: all 18 scopes of the manifest are granted');
    expect(res.stdout).toContain('ok    channel C0NOC: #noc, the bot is a member');
    expect(res.stdout).toContain('ok    user U0FRANK: @frank');
    expect(res.stdout).toContain('ok    group S0APPROVERS: 2 member(s)');
    expect(res.stdout).toContain('ok    email dave@example.com: @dave');
    expect(res.stdout).toMatch(/ok {4}workflows: \d+ pipeline\(s\) in workflows are valid/);
    expect(res.stdout).not.toContain('FAIL');
    expect(res.code).toBe(0);
  });

  it('with a refused token says so once and still checks the rest', async () => {
    const ls = await workspace();
    const res = await doctor(ls, { SLACK_BOT_TOKEN: 'xoxb-revoked' });
    expect(res.code).toBe(1);
    expect(res.stdout).toMatch(/^FAIL {2}slack token: auth\.test answered invalid_auth -> fix: /m);
    expect(res.stdout).not.toContain('channel C0');
    expect(res.stdout).toMatch(/^ok {4}workflows: /m);
  });

  it('fails naming the scope the token lacks', async () => {
    const ls = await workspace();
    ls.dropScope('usergroups:read');
    const res = await doctor(ls);
    expect(res.code).toBe(1);
    expect(res.stdout).toMatch(/^FAIL {2}slack scopes: the token lacks usergroups:read -> fix: .*reinstall the app/m);
  });

  it('fails naming a channel that is gone and one the bot is not in, and where the config names them', async () => {
    const s = seed();
    s.channels = s.channels.filter((c) => c.id !== 'C0NOC');
    const helpdesk = s.channels.find((c) => c.id === 'C0HELPDESK');
    if (helpdesk) helpdesk.bot_member = false;
    const ls = await workspace(s);
    const res = await doctor(ls);
    expect(res.code).toBe(1);
    expect(res.stdout).toMatch(
      /^FAIL {2}channel C0NOC: does not exist .*; named in config\/incidents\.yml: notify\.SEV1\.noc\.0 .*-> fix: /m,
    );
    expect(res.stdout).toMatch(
      /^FAIL {2}channel C0HELPDESK: the bot is not a member of #helpdesk; .*-> fix: Invite it: \/invite @<bot> in #helpdesk/m,
    );
    expect(res.stdout).toContain('ok    channel C0STAKE');
  });

  it('fails naming an unknown user id and the file and path that holds it', async () => {
    const ls = await workspace();
    const config = dir('users');
    cpSync('config', config, { recursive: true });
    const file = join(config, 'access.yml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('users: [U0FRANK]', 'users: [U0NOBODY]'));
    const res = await doctor(ls, { CONFIG_DIR: config });
    expect(res.code).toBe(1);
    expect(res.stdout).toContain(`FAIL  user U0NOBODY: no such user; named in ${file}: roles.auditor.users.0 -> fix:`);
  });

  it('checks Vault and Consul when configured: a refused token and a cluster without a leader fail', async () => {
    const ls = await workspace();
    const vault = await new FakeVault().start();
    open.push({ close: () => vault.stop() });
    let leader = '"10.0.0.1:8300"';
    const consul: Server = createServer((req, res) => {
      res
        .writeHead(req.url === '/v1/status/leader' ? 200 : 404, { 'content-type': 'application/json' })
        .end(req.url === '/v1/status/leader' ? leader : '');
    });
    await new Promise<void>((r) => consul.listen(0, '127.0.0.1', r));
    open.push({ close: () => new Promise<void>((r) => consul.close(() => r())) });
    const consulAddr = `http://127.0.0.1:${(consul.address() as AddressInfo).port}`;

    const good = await doctor(ls, { VAULT_ADDR: vault.url, VAULT_TOKEN: vault.rootToken, CONSUL_HTTP_ADDR: consulAddr });
    expect(good.stdout).toContain('ok    vault: ');
    expect(good.stdout).toContain('ok    consul: ');
    expect(good.code).toBe(0);

    leader = '""';
    const bad = await doctor(ls, { VAULT_ADDR: vault.url, VAULT_TOKEN: 'hvs.not-issued', CONSUL_HTTP_ADDR: consulAddr });
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/^FAIL {2}vault: token lookup-self answered 403/m);
    expect(bad.stdout).toMatch(/^FAIL {2}consul: status\/leader answered 200 without a leader/m);
  });

  it('checks CI backends when configured: a refused token and a server that does not answer fail, one that answers passes', async () => {
    const ls = await workspace();
    const ci: Server = createServer((req, res) => {
      if (req.url === '/rate_limit') res.writeHead(401, { 'content-type': 'application/json' }).end('{"message":"Bad credentials"}');
      else if (req.url === '/api/json') res.writeHead(200, { 'content-type': 'application/json' }).end('{"jobs":[]}');
      else res.writeHead(404).end();
    });
    await new Promise<void>((r) => ci.listen(0, '127.0.0.1', r));
    open.push({ close: () => new Promise<void>((r) => ci.close(() => r())) });
    const url = `http://127.0.0.1:${(ci.address() as AddressInfo).port}`;
    // A port that was free a moment ago: nothing listens there.
    const gone = createServer();
    await new Promise<void>((r) => gone.listen(0, '127.0.0.1', r));
    const goneUrl = `http://127.0.0.1:${(gone.address() as AddressInfo).port}`;
    await new Promise<void>((r) => gone.close(() => r()));

    const res = await doctor(ls, {
      GITHUB_API_URL: url,
      GITHUB_TOKEN: 'ghp_revoked',
      GITLAB_URL: goneUrl,
      JENKINS_URL: url,
      JENKINS_USER: 'ci',
      JENKINS_API_TOKEN: 'tok',
    });
    expect(res.code).toBe(1);
    expect(res.stdout).toMatch(/^FAIL {2}github: .*\/rate_limit refused the credentials \(401\) -> fix: /m);
    expect(res.stdout).toMatch(/^FAIL {2}gitlab: .* does not answer \(ECONNREFUSED\)/m);
    expect(res.stdout).toMatch(/^ok {4}jenkins: .*\/api\/json answers \(200\)/m);
  });
});
