import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkIntegrations } from '../../src/cli/doctor-integrations.js';
import { loadSettings } from '../../src/config/settings.js';
import { LoopbackServer, sendJson } from '../fakes/http-fake.js';

// The read calls `npm run doctor` makes, as each vendor answers them:
// - ServiceNow Table API: GET /api/now/table/incident?sysparm_limit=1 with basic auth -> {result:[…]};
//   bad credentials -> 401 {error:{message:"User Not Authenticated"}, status:"failure"}.
// - Jira Service Management: GET /rest/servicedeskapi/servicedesk (basic auth email:API token)
//   -> {size, start, limit, isLastPage, values:[…]}; bad credentials -> 401.
// - Statuspage: GET /v1/pages/{page_id} with `Authorization: OAuth <key>` -> the page; else 401.
// - Argo CD: GET /api/v1/session/userinfo with a bearer token -> {loggedIn, username}; else 401.
const basic = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;
const vendor = new LoopbackServer((req, _body, res) => {
  const auth = req.headers.authorization;
  const url = new URL(req.url ?? '/', 'http://x');
  if (url.pathname === '/api/now/table/incident')
    return auth === basic('svc-switchyard', 'sn-pass')
      ? sendJson(res, 200, { result: [{ number: 'INC0010001' }] })
      : sendJson(res, 401, {
          error: { message: 'User Not Authenticated', detail: 'Required to provide Auth information' },
          status: 'failure',
        });
  if (url.pathname === '/rest/servicedeskapi/servicedesk')
    return auth === basic('ops@example.com', 'jira-token')
      ? sendJson(res, 200, { size: 1, start: 0, limit: 50, isLastPage: true, values: [{ id: '1', projectKey: 'OPS' }] })
      : sendJson(res, 401, { errorMessages: ['You are not authenticated.'] });
  if (url.pathname === '/v1/pages/abc123page')
    return auth === 'OAuth sp-key' ? sendJson(res, 200, { id: 'abc123page', name: 'Acme' }) : sendJson(res, 401, { error: 'Unauthorized' });
  if (url.pathname === '/api/v1/session/userinfo')
    return auth === 'Bearer argo-token'
      ? sendJson(res, 200, { loggedIn: true, username: 'switchyard' })
      : sendJson(res, 401, { error: 'invalid session', code: 16, message: 'invalid session' });
  sendJson(res, 404, { message: 'not found' });
});

let dir: string;
const settings = (env: Record<string, string>) =>
  loadSettings({ CONFIG_DIR: dir, REDIS_URL: 'redis://127.0.0.1:6379', SLACK_BOT_TOKEN: '', ...env });

describe('doctor: tickets, status page and Argo CD', () => {
  beforeAll(async () => {
    await vendor.start();
    dir = mkdtempSync(join(tmpdir(), 'doctor-integrations-'));
  });
  afterAll(async () => {
    await vendor.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('says nothing of what is not configured', async () => {
    expect(await checkIntegrations(settings({}))).toEqual([]);
  });

  it('checks each configured one answers with its credentials, and names what is missing or refused', async () => {
    writeFileSync(
      join(dir, 'tickets.yml'),
      ['system: servicenow', 'servicenow:', `  instance: ${vendor.url}`, '  default: { assignment_group: SRE }'].join('\n'),
    );
    writeFileSync(join(dir, 'statuspage.yml'), [`page_id: abc123page`, `api_url: ${vendor.url}`].join('\n'));
    const good = await checkIntegrations(
      settings({
        SERVICENOW_USERNAME: 'svc-switchyard',
        SERVICENOW_PASSWORD: 'sn-pass',
        STATUSPAGE_API_KEY: 'sp-key',
        ARGOCD_URL: vendor.url,
        ARGOCD_TOKEN: 'argo-token',
      }),
    );
    expect(good.map((r) => [r.check, r.ok])).toEqual([
      ['servicenow', true],
      ['statuspage', true],
      ['argocd', true],
    ]);
    const bad = await checkIntegrations(
      settings({ SERVICENOW_USERNAME: 'svc-switchyard', STATUSPAGE_API_KEY: 'wrong', ARGOCD_URL: vendor.url, ARGOCD_TOKEN: 'stale' }),
    );
    expect(bad).toEqual([
      expect.objectContaining({ check: 'servicenow', ok: false, detail: 'SERVICENOW_PASSWORD not set' }),
      expect.objectContaining({ check: 'statuspage', ok: false, detail: expect.stringContaining('HTTP 401') }),
      expect.objectContaining({ check: 'argocd', ok: false, detail: expect.stringContaining('HTTP 401') }),
    ]);
    expect(JSON.stringify(bad)).not.toMatch(/wrong|stale|sn-pass/);

    writeFileSync(
      join(dir, 'tickets.yml'),
      ['system: jira', 'jira:', `  site: ${vendor.url}`, '  default: { service_desk_id: "1", request_type_id: "10" }'].join('\n'),
    );
    const jira = await checkIntegrations(settings({ JIRA_EMAIL: 'ops@example.com', JIRA_API_TOKEN: 'jira-token' }));
    expect(jira[0]).toMatchObject({ check: 'jira', ok: true });
  });
});
