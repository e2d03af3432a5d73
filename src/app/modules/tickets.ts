import { join } from 'node:path';
import type { AppContext, Module } from '../../core/module.js';
import { loadTicketsConfig, type TicketsConfig } from '../../domain/tickets/config.js';
import { ticketsRoute } from '../../domain/tickets/inbound.js';
import { FILE_FOLLOW_UP, MIRROR_TO_TICKET, OPEN_TICKET, ticketJobs } from '../../domain/tickets/jobs.js';
import type { TicketDeps } from '../../domain/tickets/deps.js';
import type { IssueTracker, TicketSystem } from '../../domain/tickets/ports.js';
import { TicketRepo } from '../../domain/tickets/repo.js';
import { ticketSubscriptions } from '../../domain/tickets/subscriptions.js';

export interface TicketsModuleOptions {
  /** Defaults to `<configDir>/tickets.yml` (optional: no file, no tickets). */
  config?: TicketsConfig;
  system?: TicketSystem;
  tracker?: IssueTracker;
  inboundSecret?: string;
}

/**
 * Tickets: an incident of a configured severity opens a ServiceNow or Jira Service Management
 * ticket (bookmarked in its channel), its updates and resolution are mirrored to it, help desk
 * changes reach the timeline through POST /hooks/tickets, and follow-ups can be filed as Jira
 * issues linked to their plan items. Everything is off unless config/tickets.yml turns it on.
 */
export function createTicketsModule(ctx: AppContext, o: TicketsModuleOptions = {}): Module {
  const cfg = o.config ?? loadTicketsConfig(join(ctx.configDir, 'tickets.yml'));
  const d: TicketDeps = { ctx, cfg, repo: new TicketRepo(ctx.store), system: o.system, tracker: o.tracker, inboundSecret: o.inboundSecret };
  if (!d.system && !d.tracker) return { name: 'tickets' };
  return {
    name: 'tickets',
    jobs: ticketJobs(d),
    enqueues: [OPEN_TICKET.name, MIRROR_TO_TICKET.name, FILE_FOLLOW_UP.name],
    subscriptions: ticketSubscriptions(d),
    ...(d.system ? { routes: [ticketsRoute(d)] } : {}),
  };
}
