import type { ModuleFactory } from '../core/module.js';
import { approvalsModule } from './wire-approvals.js';
import { incidentsModule } from './wire-incidents.js';
import { injectionModule } from './wire-injection.js';
import { metricsModule } from './wire-metrics.js';
import { inspectModule } from './wire-inspect.js';
import { pipelinesModule } from './wire-pipelines.js';
import { gitopsModule } from './wire-gitops.js';
import { pagingModule } from './wire-paging.js';
import { planModule } from './wire-plan.js';
import { runbooksModule } from './modules/runbooks.js';
import { ticketsModule } from './wire-tickets.js';
import { snsModule } from './wire-sns.js';
import { statuspageModule } from './wire-statuspage.js';

/**
 * Every capability the production bot runs. Order does not matter for correctness: modules find
 * each other through the service registry at call time and validate in init() once all are built.
 */
export const MODULES: ModuleFactory[] = [
  pipelinesModule,
  approvalsModule,
  injectionModule,
  incidentsModule,
  planModule,
  inspectModule,
  metricsModule,
  runbooksModule,
  ticketsModule,
  gitopsModule,
  snsModule,
  statuspageModule,
  pagingModule,
];
