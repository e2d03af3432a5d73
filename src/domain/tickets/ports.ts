/** What a ticket is opened from: the incident as the `incidents` service shows it, plus where it is discussed. */
export interface TicketIncident {
  id: string;
  title: string;
  severity: string;
  services: string[];
  /** The Slack channel's name or id, for the ticket's description. */
  channel?: string;
}

/**
 * A ticket as Switchyard keeps it: `key` is what people read and the inbound webhook names
 * (INC0010001, OPS-12), `id` the vendor's handle for updates (a ServiceNow sys_id; the Jira key).
 */
export interface TicketRef {
  key: string;
  id: string;
  url: string;
}

/**
 * An ITSM system (ServiceNow, Jira Service Management). Adapters under src/adapters/<vendor>/
 * throw UpstreamError: retryable for 5xx / network failures, not retryable for a 4xx refusal
 * (bad credentials, an unknown assignment group), which no retry can fix.
 */
export interface TicketSystem {
  /** `servicenow` or `jira`: shown in messages and on the timeline. */
  readonly name: string;
  /** The ticket this incident already has at the vendor (a create that answered but was not recorded), if any. */
  find?(incidentId: string): Promise<TicketRef | null>;
  open(incident: TicketIncident): Promise<TicketRef>;
  addNote(ticket: TicketRef, text: string): Promise<void>;
  resolve(ticket: TicketRef, text: string): Promise<void>;
}

/** Jira REST issues, for incident follow-ups (`--follow-up`). */
export interface IssueTracker {
  createIssue(issue: { summary: string; description: string; labels: string[] }): Promise<{ key: string; url: string }>;
}
