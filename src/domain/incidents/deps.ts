import type { AppContext } from '../../core/module.js';
import type { IncidentsConfig } from './config.js';
import type { HelpdeskNotifier } from './helpdesk-port.js';
import type { IncidentRepo } from './repo.js';

/** What every part of the incidents capability shares. */
export interface IncidentDeps {
  ctx: AppContext;
  repo: IncidentRepo;
  cfg: IncidentsConfig;
  /** Absent when HELPDESK_WEBHOOK_URL is not set. */
  helpdesk: HelpdeskNotifier | undefined;
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
