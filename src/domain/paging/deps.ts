import type { AppContext } from '../../core/module.js';
import type { PagingConfig } from './config.js';
import type { Pager } from './ports.js';

/** What the paging capability shares: the context, paging.yml, the configured pagers and webhook secrets. */
export interface PagingDeps {
  ctx: AppContext;
  cfg: PagingConfig;
  pagers: Pager[];
  /** Secrets of the inbound webhooks (values from the environment); a hook without one answers 503. */
  webhookSecrets: { pagerduty?: string; opsgenie?: string };
}
