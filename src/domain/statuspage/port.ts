/** Statuspage's own words: an incident's status and a component's status. */
export const PAGE_INCIDENT_STATUSES = ['investigating', 'identified', 'monitoring', 'resolved'] as const;
export type PageIncidentStatus = (typeof PAGE_INCIDENT_STATUSES)[number];
export const COMPONENT_STATUSES = ['operational', 'under_maintenance', 'degraded_performance', 'partial_outage', 'major_outage'] as const;
export type ComponentStatus = (typeof COMPONENT_STATUSES)[number];

export interface PageIncidentFields {
  name: string;
  status: PageIncidentStatus;
  /** The update customers read. */
  body: string;
  /** Component id -> its status while the incident lasts. */
  components: Record<string, ComponentStatus>;
}

/**
 * The Statuspage REST API (src/adapters/statuspage): incidents of the configured page. Throws
 * UpstreamError (retryable: network, 5xx, 429; not: refused key, bad request).
 */
export interface StatuspageApi {
  createIncident(fields: PageIncidentFields): Promise<{ id: string; shortlink?: string }>;
  updateIncident(id: string, fields: Partial<PageIncidentFields>): Promise<void>;
}
