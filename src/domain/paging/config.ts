import { z } from 'zod';
import { loadYamlFile } from '../../core/config/yaml-file.js';
import { INCIDENT_SEVERITIES } from '../contracts.js';

/**
 * config/paging.yml: which Switchyard services page which PagerDuty service or Opsgenie team, and
 * whose schedule says who is on call. Optional: without the file (or without a tool's section)
 * nothing is paged and on-call comes from config/incidents.yml. Secrets are never in the file: it
 * names the environment variables (`PAGERDUTY_*`, `OPSGENIE_*`) that hold them.
 */
const envName = z.string().regex(/^(PAGERDUTY|OPSGENIE)_[A-Z0-9_]+$/, 'an environment variable named PAGERDUTY_… or OPSGENIE_…');
const serviceName = z.string().regex(/^[a-z][a-z0-9-]*$/, 'service names are lowercase words joined by -');
const pdId = z.string().regex(/^P[A-Z0-9]{5,}$/, 'a PagerDuty id like PABC123');
const ogRef = z.string().min(1).max(120);

const pagerdutyService = z
  .object({
    /** Events API v2 integration key of the PagerDuty service: the variable that holds it. */
    routing_key_env: envName,
    /** On call now: from this schedule, or this escalation policy (first level), or the service's policy. */
    schedule: pdId.optional(),
    escalation_policy: pdId.optional(),
    service: pdId.optional(),
  })
  .strict();

const pagerduty = z
  .object({
    api_url: z.url().default('https://api.pagerduty.com'),
    events_url: z.url().default('https://events.pagerduty.com'),
    /** REST API token (read-only is enough): needed for on-call lookups only. */
    api_token_env: envName.optional(),
    /** The v3 webhook subscription's signing secret: needed for /hooks/pagerduty. */
    webhook_secret_env: envName.optional(),
    services: z.record(serviceName, pagerdutyService),
  })
  .strict();

const opsgenieService = z
  .object({
    /** The alert goes to this team (a responder); on call now from this schedule. */
    team: ogRef.optional(),
    schedule: ogRef.optional(),
  })
  .strict();

const opsgenie = z
  .object({
    /** https://api.eu.opsgenie.com for the EU instance. */
    api_url: z.url().default('https://api.opsgenie.com'),
    /** API key of an API integration (GenieKey): creates, acknowledges and closes alerts, reads on-call. */
    api_key_env: envName,
    /** Opsgenie's outgoing webhooks are not signed: the integration sends a secret header or basic auth. */
    webhook: z
      .object({
        secret_env: envName,
        auth: z.enum(['header', 'basic']).default('header'),
        header: z
          .string()
          .regex(/^[A-Za-z0-9-]+$/)
          .default('X-Switchyard-Token'),
        username: z.string().min(1).default('switchyard'),
      })
      .strict()
      .optional(),
    services: z.record(serviceName, opsgenieService),
  })
  .strict();

export const pagingFileSchema = z
  .object({
    /** Severities whose declaration pages (acknowledge and resolve follow for those paged). */
    page_severities: z.array(z.enum(INCIDENT_SEVERITIES)).default(['SEV1', 'SEV2']),
    /** Milliseconds an on-call answer (with its email → Slack user lookups) is reused. */
    oncall_cache_ms: z.number().int().min(0).default(60_000),
    /** Attempts to reach a paging tool before giving up on one page. */
    attempts: z.number().int().min(1).max(20).default(8),
    /** First retry delay in milliseconds; it doubles each attempt. */
    backoff_ms: z.number().int().min(1).default(2000),
    pagerduty: pagerduty.optional(),
    opsgenie: opsgenie.optional(),
  })
  .strict();

export type PagingConfig = z.infer<typeof pagingFileSchema>;
export type PagerDutyConfig = z.infer<typeof pagerduty>;
export type OpsgenieConfig = z.infer<typeof opsgenie>;

export function loadPagingConfig(file: string): PagingConfig {
  return loadYamlFile(file, pagingFileSchema);
}
