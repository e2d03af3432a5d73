import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { request } from '../adapters/ci/http.js';
import type { Settings } from '../config/settings.js';
import { loadPagingConfig, type PagingConfig } from '../domain/paging/config.js';
import type { Result } from './doctor-checks.js';

/**
 * `npm run doctor` for config/paging.yml: the file parses, every variable it names is set, and the
 * REST APIs accept their keys (PagerDuty `GET /abilities`, Opsgenie `GET /v2/account`). Routing
 * keys are only checked for presence: the Events API has no read call, and a test event would page
 * someone. Nothing when the file is absent. No value is ever printed.
 */
export async function checkPaging(s: Settings): Promise<Result[]> {
  const file = join(s.CONFIG_DIR, 'paging.yml');
  if (!existsSync(file)) return [];
  let cfg: PagingConfig;
  try {
    cfg = loadPagingConfig(file);
  } catch (err) {
    return [{ ok: false, check: 'paging', detail: (err as Error).message, fix: 'Correct config/paging.yml.' }];
  }
  const out: Result[] = [];
  const value = (name: string | undefined): string | undefined => {
    if (!name) return undefined;
    const v = s.PAGING_SECRETS[name];
    if (!v) out.push({ ok: false, check: 'paging', detail: `${name} is not set`, fix: `Export ${name} (config/paging.yml names it).` });
    return v;
  };
  const answers = async (check: string, url: string, headers: Record<string, string>, fix: string) => {
    const res = await request(check, url, { method: 'GET', headers, timeoutMs: 5000 }).catch((err: Error) => ({
      status: 0,
      error: err.message,
    }));
    out.push(
      res.status === 200
        ? { ok: true, check, detail: `${new URL(url).host} accepts the key` }
        : { ok: false, check, detail: `${new URL(url).host} answered ${'error' in res ? res.error : `HTTP ${res.status}`}`, fix },
    );
  };
  const pd = cfg.pagerduty;
  if (pd) {
    const keys = Object.values(pd.services).filter((m) => value(m.routing_key_env)).length;
    out.push({ ok: true, check: 'pagerduty events', detail: `${keys} routing key(s) set (not sent: a test event would page)` });
    value(pd.webhook_secret_env);
    const token = value(pd.api_token_env);
    if (token)
      await answers(
        'pagerduty',
        `${pd.api_url.replace(/\/$/, '')}/abilities`,
        { authorization: `Token token=${token}`, accept: 'application/vnd.pagerduty+json;version=2' },
        'Issue a new REST API key (read-only is enough) and export it.',
      );
  }
  const og = cfg.opsgenie;
  if (og) {
    value(og.webhook?.secret_env);
    const key = value(og.api_key_env);
    if (key)
      await answers(
        'opsgenie',
        `${og.api_url.replace(/\/$/, '')}/v2/account`,
        { authorization: `GenieKey ${key}` },
        'Check the API integration key (and api_url: the EU instance is api.eu.opsgenie.com).',
      );
  }
  return out;
}
