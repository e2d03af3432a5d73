import type { AppContext, Module } from '../../core/module.js';
import { servicesOf } from '../../domain/services.js';
import type { PagingConfig } from '../../domain/paging/config.js';
import type { PagingDeps } from '../../domain/paging/deps.js';
import { opsgenieRoute, pagerdutyRoute } from '../../domain/paging/hooks.js';
import { ScheduledOnCall } from '../../domain/paging/oncall.js';
import { PAGE_JOB, pageProcessor, pagingSubscriptions } from '../../domain/paging/pages.js';
import type { OnCallDirectory, Pager } from '../../domain/paging/ports.js';

export interface PagingModuleOptions {
  config: PagingConfig;
  pagers: Pager[];
  directories: OnCallDirectory[];
  webhookSecrets: { pagerduty?: string; opsgenie?: string };
}

/**
 * Paging: incidents of the paging severities page PagerDuty or Opsgenie (acknowledge and resolve
 * follow), acknowledgements made there come back through /hooks/pagerduty and /hooks/opsgenie, and
 * the `oncall` service answers who is on call from the tools' schedules (incidents asks it before
 * its YAML lists). Off unless config/paging.yml configures a tool (src/app/wire-paging.ts).
 */
export function createPagingModule(ctx: AppContext, opts: PagingModuleOptions): Module {
  const d: PagingDeps = { ctx, cfg: opts.config, pagers: opts.pagers, webhookSecrets: opts.webhookSecrets };
  if (opts.directories.length) {
    const oncall = new ScheduledOnCall({
      directories: opts.directories,
      chat: ctx.chat,
      store: ctx.store,
      log: ctx.log,
      cacheMs: opts.config.oncall_cache_ms,
    });
    servicesOf(ctx).provide('oncall', oncall);
  }
  return {
    name: 'paging',
    jobs: [pageProcessor(d)],
    enqueues: [PAGE_JOB.name],
    subscriptions: pagingSubscriptions(d),
    routes: [...(opts.config.pagerduty ? [pagerdutyRoute(d)] : []), ...(opts.config.opsgenie ? [opsgenieRoute(d)] : [])],
  };
}
