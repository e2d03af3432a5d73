import type { Severity } from './config.js';
import type { IncidentStatus } from './model.js';

/**
 * The outbound help desk webhook (HELPDESK_WEBHOOK_URL), so tier 1 and 2 can answer users.
 * JSON body, POSTed with `X-Switchyard-Timestamp: <unix seconds>` and
 * `X-Switchyard-Signature: v1=<hex HMAC-SHA256(HELPDESK_WEBHOOK_SECRET, "<timestamp>.<raw body>")>`.
 * `delivery_id` is stable across retries, so the receiver can drop duplicates.
 */
export interface HelpdeskEvent {
  delivery_id: string;
  event: 'incident.declared' | 'incident.updated' | 'incident.status_changed' | 'incident.severity_changed' | 'incident.resolved';
  at: string;
  incident: {
    id: string;
    title: string;
    severity: Severity;
    status: IncidentStatus;
    services: string[];
    commander?: string;
    slack_channel?: string;
    declared_at: string;
    resolved_at?: string;
    tickets: string[];
  };
  /** The status update or resolution text, as written by the responders. */
  message?: string;
}

export interface HelpdeskNotifier {
  /** Throws on a failed delivery (the job retries it). */
  send(event: HelpdeskEvent): Promise<void>;
}
