import type { AppContext } from '../core/module.js';
import type { ServiceRegistry } from '../core/services.js';
import type {
  AlertIntake,
  ApproverCheck,
  DeployGuard,
  FindingQueries,
  FreezeQueries,
  IncidentQueries,
  InjectionResolver,
  OnCallQueries,
  PipelineService,
  PlanWriter,
  RunbookQueries,
  StageKind,
} from './contracts.js';
import type { DeliveryMetrics } from './metrics/service.js';

/** The services each capability offers, by name. */
export interface ServiceMap {
  pipelines: PipelineService;
  injection: InjectionResolver;
  incidents: IncidentQueries;
  freezes: FreezeQueries;
  approvers: ApproverCheck;
  plan: PlanWriter;
  findings: FindingQueries;
  metrics: DeliveryMetrics;
  runbooks: RunbookQueries;
  /** Alert groups from senders other than Alertmanager's own hook (CloudWatch alarms via SNS). */
  alerts: AlertIntake;
  /** Provided by the paging module when a paging tool's schedules are configured. */
  oncall: OnCallQueries;
}

export type Services = ServiceRegistry<ServiceMap>;

/** Extension lists. */
export const STAGE_KINDS = 'stage-kinds';
export const DEPLOY_GUARDS = 'deploy-guards';

export function stageKinds(s: Services): StageKind[] {
  return s.list<StageKind>(STAGE_KINDS);
}

export function deployGuards(s: Services): DeployGuard[] {
  return s.list<DeployGuard>(DEPLOY_GUARDS);
}

/**
 * The typed view of the app's service registry. The one cast left: src/core cannot name the
 * domain's ServiceMap, so AppContext holds the registry as `ServiceRegistry<object>`; the registry
 * stores by key and `get`/`maybe` throw or answer undefined for a capability nobody provided.
 */
export function servicesOf(ctx: Pick<AppContext, 'services'>): Services {
  return ctx.services as Services;
}
