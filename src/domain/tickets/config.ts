import { existsSync } from 'node:fs';
import { z } from 'zod';
import { loadYamlFile } from '../../core/config/yaml-file.js';
import { INCIDENT_SEVERITIES } from '../contracts.js';

/**
 * config/tickets.yml (optional; no file means tickets are off). Credentials are never written
 * here: the file names the environment variables that hold them, and only the variables
 * Switchyard declares for tickets (src/config/settings.ts) can be named.
 */
export const TICKET_CREDENTIAL_VARS = [
  'SERVICENOW_USERNAME',
  'SERVICENOW_PASSWORD',
  'JIRA_EMAIL',
  'JIRA_API_TOKEN',
  'TICKETS_WEBHOOK_SECRET',
] as const;
export type TicketCredentialVar = (typeof TICKET_CREDENTIAL_VARS)[number];
const envName = (def: TicketCredentialVar) => z.enum(TICKET_CREDENTIAL_VARS).default(def);
const https = z.url().refine((u) => /^https?:\/\//.test(u) && !/[?#]/.test(u), 'an http(s) base URL without query or fragment');

const snowRouting = z.object({ assignment_group: z.string().min(1).max(100) }).strict();
const jsmRouting = z.object({ service_desk_id: z.string().regex(/^\d+$/), request_type_id: z.string().regex(/^\d+$/) }).strict();

const servicenow = z
  .object({
    instance: https,
    username_env: envName('SERVICENOW_USERNAME'),
    password_env: envName('SERVICENOW_PASSWORD'),
    /** Per service; a service not listed uses `default`. */
    services: z.record(z.string(), snowRouting).default({}),
    default: snowRouting.optional(),
    /** close_code written with state 6 (Resolved); instances rename these choices. */
    close_code: z.string().min(1).default('Solved (Permanently)'),
  })
  .strict();

const jira = z
  .object({
    site: https,
    email_env: envName('JIRA_EMAIL'),
    token_env: envName('JIRA_API_TOKEN'),
    services: z.record(z.string(), jsmRouting).default({}),
    default: jsmRouting.optional(),
    /** The request type's transition to its resolved status (POST .../transition); without it, resolving adds a comment only. */
    resolve_transition_id: z.string().regex(/^\d+$/).optional(),
    /** File `--follow-up` items as Jira issues in this project (Jira REST POST /rest/api/3/issue). */
    follow_ups: z
      .object({ project: z.string().regex(/^[A-Z][A-Z0-9_]+$/), issue_type: z.string().min(1).default('Task') })
      .strict()
      .optional(),
  })
  .strict();

export const ticketsConfigSchema = z
  .object({
    system: z.enum(['off', 'servicenow', 'jira']).default('off'),
    /** Severities that open a ticket. */
    open_for: z.array(z.enum(INCIDENT_SEVERITIES)).default(['SEV1', 'SEV2']),
    servicenow: servicenow.optional(),
    jira: jira.optional(),
    inbound: z
      .object({ secret_env: envName('TICKETS_WEBHOOK_SECRET') })
      .strict()
      .default({ secret_env: 'TICKETS_WEBHOOK_SECRET' }),
    /** Attempts and first backoff of the calls to the vendor (exponential). */
    retry: z
      .object({ attempts: z.number().int().min(1).max(20).default(8), backoff_ms: z.number().int().min(10).default(2000) })
      .strict()
      .default({ attempts: 8, backoff_ms: 2000 }),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.system === 'servicenow' && !c.servicenow)
      ctx.addIssue({ code: 'custom', path: ['servicenow'], message: 'system servicenow needs it' });
    if (c.system === 'jira' && !c.jira) ctx.addIssue({ code: 'custom', path: ['jira'], message: 'system jira needs it' });
    if (c.system === 'jira' && c.jira && !c.jira.default && !Object.keys(c.jira.services).length)
      ctx.addIssue({ code: 'custom', path: ['jira', 'default'], message: 'give a default service desk or one per service' });
    if (c.system === 'servicenow' && c.servicenow && !c.servicenow.default && !Object.keys(c.servicenow.services).length)
      ctx.addIssue({ code: 'custom', path: ['servicenow', 'default'], message: 'give a default assignment group or one per service' });
  });

export type TicketsConfig = z.infer<typeof ticketsConfigSchema>;

export function loadTicketsConfig(file: string): TicketsConfig {
  return existsSync(file) ? loadYamlFile(file, ticketsConfigSchema) : ticketsConfigSchema.parse({});
}

/** The routing of the incident's first service that has one, else the default. */
export function routingFor<R>(
  routes: { services: Record<string, R>; default?: R | undefined },
  services: readonly string[],
): R | undefined {
  for (const s of services) if (routes.services[s]) return routes.services[s];
  return routes.default;
}
