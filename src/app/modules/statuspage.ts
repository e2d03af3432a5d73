import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { AppContext, Module } from '../../core/module.js';
import { loadStatuspageConfig, type StatuspageConfig } from '../../domain/statuspage/config.js';
import type { StatuspageApi } from '../../domain/statuspage/port.js';
import { PUBLISH_JOB, RESOLVE_JOB, StatuspagePublisher } from '../../domain/statuspage/publisher.js';
import { statuspageSubcommand } from '../../../commands/incidents/statuspage.js';
import { StatuspageClient } from '../../adapters/statuspage/client.js';

export interface StatuspageModuleOptions {
  /** Defaults to `<configDir>/statuspage.yml`; without that file the module adds nothing. */
  configFile?: string;
  config?: StatuspageConfig;
  /** Environment variables named STATUSPAGE_* (Settings.STATUSPAGE_ENV): the config names the key's. */
  env?: Readonly<Record<string, string>>;
  /** Replaces the REST client (tests use the client against a loopback fake instead). */
  api?: StatuspageApi;
  retry?: { attempts: number; backoffMs: number };
}

/**
 * Customer-facing status: `/incident statuspage` (comms role) publishes and updates the incident on
 * Atlassian Statuspage; resolving the Switchyard incident resolves it. Off unless statuspage.yml
 * exists and the variable it names holds an API key.
 */
export function createStatuspageModule(ctx: AppContext, opts: StatuspageModuleOptions = {}): Module {
  const file = opts.configFile ?? join(ctx.configDir, 'statuspage.yml');
  const cfg = opts.config ?? (existsSync(file) ? loadStatuspageConfig(file) : undefined);
  if (!cfg) return { name: 'statuspage' };
  const apiKey = opts.env?.[cfg.api_key_env];
  if (!opts.api && !apiKey) {
    ctx.log.warn({ setting: cfg.api_key_env }, 'statuspage.yml names an API key variable that is not set: status page publishing is off');
    return { name: 'statuspage' };
  }
  if (apiKey) ctx.secrets.remember([apiKey]);
  const api = opts.api ?? new StatuspageClient({ apiUrl: cfg.api_url, pageId: cfg.page_id, apiKey: apiKey ?? '' });
  const sp = new StatuspagePublisher({ ctx, cfg, api, retry: opts.retry ?? { attempts: 6, backoffMs: 5000 } });
  return {
    name: 'statuspage',
    extendCommands: [{ command: 'incident', subcommand: statuspageSubcommand(sp) }],
    jobs: sp.processors(),
    enqueues: [PUBLISH_JOB.name, RESOLVE_JOB.name],
    subscriptions: sp.subscriptions(),
  };
}
