import type { AppContext } from '../../core/module.js';
import type { TicketsConfig } from './config.js';
import type { IssueTracker, TicketSystem } from './ports.js';
import type { TicketRepo } from './repo.js';

/** What every part of the tickets capability shares (built by src/app/modules/tickets.ts). */
export interface TicketDeps {
  ctx: AppContext;
  cfg: TicketsConfig;
  repo: TicketRepo;
  /** Absent when tickets are off (`system: off`). */
  system: TicketSystem | undefined;
  /** Absent unless follow-ups are filed as Jira issues. */
  tracker: IssueTracker | undefined;
  /** HMAC secret of POST /hooks/tickets; the hook answers 503 without it. */
  inboundSecret: string | undefined;
}
