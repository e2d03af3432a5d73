import type { AppContext } from '../../core/module.js';
import type { IncidentsConfig } from './config.js';
import type { HelpdeskNotifier } from './helpdesk-port.js';
import type { IncidentPresenter } from './presenter.js';
import type { IncidentRepo } from './repo.js';

/** The settings incidents reads (its wiring in src/app declares them; no other setting reaches it). */
export interface IncidentSettings {
  /** Bearer token Alertmanager sends to /hooks/alertmanager; the hook answers 503 without it. */
  readonly ALERTMANAGER_TOKEN?: string;
  /** HMAC secret of /hooks/helpdesk; the hook answers 503 without it. */
  readonly HELPDESK_SECRET?: string;
}

/** What every part of the incidents capability shares. */
export interface IncidentDeps {
  ctx: AppContext;
  settings: IncidentSettings;
  repo: IncidentRepo;
  cfg: IncidentsConfig;
  /** Absent when HELPDESK_WEBHOOK_URL is not set. */
  helpdesk: HelpdeskNotifier | undefined;
  /** How messages look (commands/incidents/render.ts); the domain says only what they show. */
  presenter: IncidentPresenter;
}

/** Job names of the incidents module (queue `incident`). */
export const JOB = {
  setup: 'incident.setup',
  refresh: 'incident.refresh',
  remind: 'incident.remind',
  escalate: 'incident.escalate',
  helpdesk: 'incident.helpdesk',
} as const;

/** Job ids may not contain ':'; incident ids never do, but keep ids safe anyway. */
export const jobId = (...parts: Array<string | number>): string => parts.join('-').replace(/[:\s]/g, '_');
