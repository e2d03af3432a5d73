import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { request } from '../adapters/ci/http.js';
import type { Settings } from '../config/settings.js';
import { loadStatuspageConfig } from '../domain/statuspage/config.js';
import { loadTicketsConfig, type TicketCredentialVar } from '../domain/tickets/config.js';
import type { Result } from './doctor-checks.js';

/**
 * `npm run doctor` for the ticket system, the status page and Argo CD: each one configured answers
 * a read call with its credentials (ServiceNow `GET /api/now/table/incident?sysparm_limit=1`, Jira
 * Service Management `GET /rest/servicedeskapi/servicedesk`, Statuspage `GET /v1/pages/{page}`,
 * Argo CD `GET /api/v1/session/userinfo`). Nothing for what is not configured; no value printed.
 */
export async function checkIntegrations(s: Settings): Promise<Result[]> {
  return [...(await checkTickets(s)), ...(await checkStatuspage(s)), ...(await checkArgocd(s))];
}

async function answers(check: string, url: string, headers: Record<string, string>, fix: string): Promise<Result> {
  const res = await request(check, url, { method: 'GET', headers, timeoutMs: 5000 }).catch((err: Error) => ({
    status: 0,
    error: err.message,
  }));
  const host = new URL(url).host;
  return res.status === 200
    ? { ok: true, check, detail: `${host} accepts the credentials` }
    : { ok: false, check, detail: `${host} answered ${'error' in res ? res.error : `HTTP ${res.status}`}`, fix };
}

const basic = (user: string, secret: string) => `Basic ${Buffer.from(`${user}:${secret}`).toString('base64')}`;
const missing = (check: string, names: string[]): Result => ({
  ok: false,
  check,
  detail: `${names.join(' and ')} not set`,
  fix: `Export ${names.join(' and ')}.`,
});

async function checkTickets(s: Settings): Promise<Result[]> {
  const file = join(s.CONFIG_DIR, 'tickets.yml');
  if (!existsSync(file)) return [];
  let cfg;
  try {
    cfg = loadTicketsConfig(file);
  } catch (err) {
    return [{ ok: false, check: 'tickets', detail: (err as Error).message, fix: 'Correct config/tickets.yml.' }];
  }
  const env = (name: TicketCredentialVar): string | undefined => s[name];
  if (cfg.system === 'servicenow' && cfg.servicenow) {
    const { username_env: u, password_env: p, instance } = cfg.servicenow;
    if (!env(u) || !env(p))
      return [
        missing(
          'servicenow',
          [u, p].filter((n) => !env(n)),
        ),
      ];
    return [
      await answers(
        'servicenow',
        `${instance.replace(/\/$/, '')}/api/now/table/incident?sysparm_limit=1`,
        { authorization: basic(env(u)!, env(p)!), accept: 'application/json' },
        'Check the instance URL and that the user has the itil role.',
      ),
    ];
  }
  if (cfg.system === 'jira' && cfg.jira) {
    const { email_env: e, token_env: t, site } = cfg.jira;
    if (!env(e) || !env(t))
      return [
        missing(
          'jira',
          [e, t].filter((n) => !env(n)),
        ),
      ];
    return [
      await answers(
        'jira',
        `${site.replace(/\/$/, '')}/rest/servicedeskapi/servicedesk`,
        { authorization: basic(env(e)!, env(t)!), accept: 'application/json' },
        'Check the site URL, the account email and its API token (id.atlassian.com, API tokens).',
      ),
    ];
  }
  return [];
}

async function checkStatuspage(s: Settings): Promise<Result[]> {
  const file = join(s.CONFIG_DIR, 'statuspage.yml');
  if (!existsSync(file)) return [];
  let cfg;
  try {
    cfg = loadStatuspageConfig(file);
  } catch (err) {
    return [{ ok: false, check: 'statuspage', detail: (err as Error).message, fix: 'Correct config/statuspage.yml.' }];
  }
  const key = s.STATUSPAGE_ENV[cfg.api_key_env];
  // Off until its key is set (see config/statuspage.yml): nothing to check then.
  if (!key) return [{ ok: true, check: 'statuspage', detail: `off (${cfg.api_key_env} not set)` }];
  return [
    await answers(
      'statuspage',
      `${cfg.api_url.replace(/\/$/, '')}/v1/pages/${encodeURIComponent(cfg.page_id)}`,
      { authorization: `OAuth ${key}` },
      'Check page_id in config/statuspage.yml and the API key (Statuspage: API info).',
    ),
  ];
}

async function checkArgocd(s: Settings): Promise<Result[]> {
  if (!s.ARGOCD_URL) return [];
  if (!s.ARGOCD_TOKEN) return [{ ok: true, check: 'argocd', detail: 'no ARGOCD_TOKEN: each argocd stage must inject its own token' }];
  return [
    await answers(
      'argocd',
      `${s.ARGOCD_URL.replace(/\/$/, '')}/api/v1/session/userinfo`,
      { authorization: `Bearer ${s.ARGOCD_TOKEN}` },
      'Check ARGOCD_URL and issue a new token for the project account (argocd account generate-token).',
    ),
  ];
}
