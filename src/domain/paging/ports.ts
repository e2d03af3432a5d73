import type { INCIDENT_SEVERITIES } from '../contracts.js';

type Severity = (typeof INCIDENT_SEVERITIES)[number];

/**
 * What the paging capability needs from a paging tool (PagerDuty, Opsgenie), in domain terms.
 * Adapters live in src/adapters/pagerduty and src/adapters/opsgenie; they hold the secrets, the
 * domain holds only service names and incident ids.
 */
export type PagingSystem = 'pagerduty' | 'opsgenie';

export const SYSTEM_NAME: Record<PagingSystem, string> = { pagerduty: 'PagerDuty', opsgenie: 'Opsgenie' };

/** One page: an incident of one Switchyard service, sent to the tool the service maps to. */
export interface Page {
  incidentId: string;
  /** The Switchyard service whose mapping (routing key, team) is used. */
  service: string;
  title: string;
  severity: Severity;
  /** The incident channel, when it exists (a link for the responder). */
  channel?: string;
}

/**
 * Triggers, acknowledges and resolves a page. Each call is idempotent on the tool's side (the
 * incident id is PagerDuty's dedup_key and Opsgenie's alias). Throws UpstreamError: retryable when
 * the tool is down or rate-limits, not when it refuses the request.
 */
export interface Pager {
  readonly system: PagingSystem;
  /** Services this pager can page (a routing key or team is configured for them). */
  covers(service: string): boolean;
  trigger(page: Page): Promise<void>;
  acknowledge(page: Pick<Page, 'incidentId' | 'service'>): Promise<void>;
  resolve(page: Pick<Page, 'incidentId' | 'service'>): Promise<void>;
}

/**
 * Who is on call now for a Switchyard service, as the tool knows them: their emails (the domain
 * maps them to Slack users through the chat directory). Empty when the service maps to no schedule.
 */
export interface OnCallDirectory {
  readonly system: PagingSystem;
  covers(service: string): boolean;
  onCallEmails(service: string): Promise<string[]>;
}
