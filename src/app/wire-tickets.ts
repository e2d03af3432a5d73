import { join } from 'node:path';
import { JiraIssues, JiraServiceDeskTickets } from '../adapters/jira/client.js';
import { ServiceNowTickets } from '../adapters/servicenow/client.js';
import { ConfigError } from '../core/errors.js';
import type { ModuleFactory } from '../core/module.js';
import {
  TICKET_CREDENTIAL_VARS,
  loadTicketsConfig,
  routingFor,
  type TicketCredentialVar,
  type TicketsConfig,
} from '../domain/tickets/config.js';
import type { IssueTracker, TicketSystem } from '../domain/tickets/ports.js';
import { withSettings } from './module-settings.js';
import { createTicketsModule } from './modules/tickets.js';

/**
 * Production wiring of tickets: `<CONFIG_DIR>/tickets.yml` says which system and names the
 * environment variables (declared in src/config/settings.ts) that hold its credentials. A system
 * whose credentials are not set stops start-up with the variable named, never its value.
 */
export function ticketsModuleWith(opts: { config?: TicketsConfig } = {}): ModuleFactory {
  return withSettings(TICKET_CREDENTIAL_VARS, (ctx, s) => {
    const cfg = opts.config ?? loadTicketsConfig(join(ctx.configDir, 'tickets.yml'));
    const need = (name: TicketCredentialVar, why: string): string => {
      const v = s[name];
      if (!v) throw new ConfigError(`tickets.yml: ${why} reads ${name}, which is not set`);
      ctx.secrets.remember([v]);
      return v;
    };
    let system: TicketSystem | undefined;
    let tracker: IssueTracker | undefined;
    const jira = cfg.jira;
    const jiraAuth = () =>
      jira && { site: jira.site, email: need(jira.email_env, 'jira.email_env'), apiToken: need(jira.token_env, 'jira.token_env') };
    if (cfg.system === 'servicenow' && cfg.servicenow) {
      const sn = cfg.servicenow;
      system = new ServiceNowTickets({
        instance: sn.instance,
        username: need(sn.username_env, 'servicenow.username_env'),
        password: need(sn.password_env, 'servicenow.password_env'),
        assignmentGroup: (services) => routingFor(sn, services)?.assignment_group,
        closeCode: sn.close_code,
      });
    }
    if (cfg.system === 'jira' && jira)
      system = new JiraServiceDeskTickets(jiraAuth()!, (sv) => routingFor(jira, sv), jira.resolve_transition_id);
    if (jira?.follow_ups) tracker = new JiraIssues(jiraAuth()!, jira.follow_ups.project, jira.follow_ups.issue_type);
    const secret = s[cfg.inbound.secret_env];
    if (system && !secret)
      ctx.log.warn(
        { setting: cfg.inbound.secret_env },
        'tickets are on but the inbound hook has no secret: POST /hooks/tickets answers 503',
      );
    return createTicketsModule(ctx, {
      config: cfg,
      ...(system ? { system } : {}),
      ...(tracker ? { tracker } : {}),
      ...(secret ? { inboundSecret: secret } : {}),
    });
  });
}

export const ticketsModule: ModuleFactory = ticketsModuleWith();
