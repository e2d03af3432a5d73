import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { PagerDutyEvents, PagerDutyOnCall } from '../adapters/pagerduty/client.js';
import { OpsgenieAlerts, OpsgenieOnCall } from '../adapters/opsgenie/client.js';
import { ConfigError } from '../core/errors.js';
import type { ModuleFactory } from '../core/module.js';
import { loadPagingConfig, pagingFileSchema, type PagingConfig } from '../domain/paging/config.js';
import type { OnCallDirectory, Pager } from '../domain/paging/ports.js';
import { withSettings } from './module-settings.js';
import { createPagingModule } from './modules/paging.js';

/**
 * Production wiring of paging: config/paging.yml (optional; without it, or without a tool's
 * section, nothing is paged) and the secrets it names, read from Settings.PAGING_SECRETS (the
 * `PAGERDUTY_*` / `OPSGENIE_*` variables). A variable the file names but the environment lacks
 * stops start-up with its name, never its value. Values are remembered for the outbound mask.
 */
export function pagingModuleWith(opts: { config?: PagingConfig; configFile?: string } = {}): ModuleFactory {
  return withSettings(['PAGING_SECRETS'], (ctx, s) => {
    const file = opts.configFile ?? join(ctx.configDir, 'paging.yml');
    const cfg = opts.config ?? (existsSync(file) ? loadPagingConfig(file) : pagingFileSchema.parse({}));
    const secret = (name: string): string => {
      const value = s.PAGING_SECRETS[name];
      if (!value) throw new ConfigError(`config/paging.yml names ${name}, which is not set in the environment`);
      ctx.secrets.remember([value]);
      return value;
    };
    const optional = (name: string | undefined) => (name ? secret(name) : undefined);
    const pagers: Pager[] = [];
    const directories: OnCallDirectory[] = [];
    const pd = cfg.pagerduty;
    if (pd) {
      const routingKeys = Object.fromEntries(Object.entries(pd.services).map(([svc, m]) => [svc, secret(m.routing_key_env)]));
      pagers.push(new PagerDutyEvents({ eventsUrl: pd.events_url, routingKeys }));
      const token = optional(pd.api_token_env);
      if (token) directories.push(new PagerDutyOnCall({ apiUrl: pd.api_url, token, services: pd.services }));
    }
    const og = cfg.opsgenie;
    if (og) {
      const apiKey = secret(og.api_key_env);
      pagers.push(new OpsgenieAlerts({ apiUrl: og.api_url, apiKey, services: og.services }));
      directories.push(new OpsgenieOnCall({ apiUrl: og.api_url, apiKey, services: og.services }));
    }
    const webhookSecrets = {
      ...(pd?.webhook_secret_env ? { pagerduty: secret(pd.webhook_secret_env) } : {}),
      ...(og?.webhook ? { opsgenie: secret(og.webhook.secret_env) } : {}),
    };
    return createPagingModule(ctx, { config: cfg, pagers, directories, webhookSecrets });
  });
}

export const pagingModule: ModuleFactory = pagingModuleWith();
