import { join } from 'node:path';
import type { AppContext, Module } from '../../core/module.js';
import { DEPLOY_GUARDS, servicesOf } from '../../domain/services.js';
import { alertIntake, alertmanagerRoute } from '../../domain/incidents/alertmanager.js';
import { loadIncidentsConfig, type IncidentsConfig } from '../../domain/incidents/config.js';
import { JOB, type IncidentDeps, type IncidentSettings } from '../../domain/incidents/deps.js';
import { incidentDeployGuard, runSubscriptions } from '../../domain/incidents/deploy.js';
import type { HelpdeskNotifier } from '../../domain/incidents/helpdesk-port.js';
import { helpdeskRoute } from '../../domain/incidents/helpdesk-inbound.js';
import { incidentEvents } from '../../domain/incidents/interactions.js';
import { incidentJobs } from '../../domain/incidents/jobs.js';
import { IncidentReads } from '../../domain/incidents/queries.js';
import { IncidentRepo } from '../../domain/incidents/repo.js';
import { IncidentService } from '../../domain/incidents/service.js';
import { incidentActions, incidentShortcuts } from '../../../commands/incidents/actions.js';
import { incidentCommand } from '../../../commands/incidents/commands.js';
import { incidentPresenter } from '../../../commands/incidents/render.js';
import { incidentViews } from '../../../commands/incidents/views.js';

export interface IncidentsModuleOptions {
  /** Defaults to `<configDir>/incidents.yml`; tests point at their own file. */
  configFile?: string;
  /** Already parsed configuration (wins over configFile). */
  config?: IncidentsConfig;
  /** The outbound help desk webhook; absent when none is configured. */
  helpdesk?: HelpdeskNotifier;
  /** The inbound hooks' secrets; a hook without its secret answers 503. */
  settings?: IncidentSettings;
}

/**
 * Incidents: declared by a person (`/incident declare`, a form), by the NOC's Alertmanager or by
 * the help desk; each gets a channel with its responders, a pinned summary kept current, a
 * timeline, reminders and escalation, and ends with a postmortem draft.
 * Provides the `incidents` service and a deploy guard that freezes production deploys of a
 * service while it has an open SEV1/SEV2.
 */
export function createIncidentsModule(ctx: AppContext, opts: IncidentsModuleOptions = {}): Module {
  const cfg = opts.config ?? loadIncidentsConfig(opts.configFile ?? join(ctx.configDir, 'incidents.yml'));
  const repo = new IncidentRepo(ctx.store);
  const d: IncidentDeps = { ctx, settings: opts.settings ?? {}, repo, cfg, helpdesk: opts.helpdesk, presenter: incidentPresenter };
  const svc = new IncidentService(d);
  const reads = new IncidentReads(repo, ctx.clock, svc);
  const openFor = (service: string) => reads.openDocs({ service });

  const services = servicesOf(ctx);
  services.provide('incidents', reads);
  services.provide('alerts', alertIntake(d, svc));
  services.add(DEPLOY_GUARDS, incidentDeployGuard(d, openFor));

  return {
    name: 'incidents',
    commands: [incidentCommand({ d, svc, reads })],
    actions: incidentActions(d, svc),
    views: incidentViews(d, svc),
    shortcuts: incidentShortcuts(d, svc),
    events: incidentEvents(d, svc),
    jobs: incidentJobs(d),
    enqueues: Object.values(JOB),
    subscriptions: runSubscriptions(d, openFor),
    routes: [alertmanagerRoute(d, svc), helpdeskRoute(d, svc)],
  };
}
