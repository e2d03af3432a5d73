import { z } from 'zod';
import { defineEvent } from '../core/events.js';
import { INCIDENT_SEVERITIES, RUN_STATUSES } from './vocabulary.js';

// ---------------------------------------------------------------- domain events
/**
 * Events published on the EventBus, one schema each: the producer's `publish(EVENTS.x, id, data)`
 * is checked against it at compile time and every consumer receives data parsed with it (a payload
 * it refuses is logged and skipped, src/core/events.ts). Add a field as optional first, so events
 * already queued by the previous version still parse.
 */

const runStarted = z.object({
  runId: z.string(),
  pipeline: z.string(),
  service: z.string(),
  env: z.string(),
  ref: z.string(),
  triggeredBy: z.string(),
  fixIncident: z.string().optional(),
});
const runFinished = runStarted.extend({ status: z.enum(RUN_STATUSES) });
const incidentDeclared = z.object({
  incidentId: z.string(),
  title: z.string(),
  severity: z.enum(INCIDENT_SEVERITIES),
  services: z.array(z.string()),
  declaredBy: z.string(),
  source: z.enum(['slack', 'alertmanager', 'helpdesk', 'sns']),
});
const incidentResolved = z.object({
  incidentId: z.string(),
  services: z.array(z.string()),
  severity: z.enum(INCIDENT_SEVERITIES),
  followUps: z.array(z.string()),
  resolvedBy: z.string(),
  /** The resolution summary (optional: events queued by older versions carry none). */
  resolution: z.string().optional(),
});
/** A status update was posted on an incident (`/incident update`); `seq` counts them. */
const incidentUpdated = z.object({
  incidentId: z.string(),
  seq: z.number().int().min(0),
  text: z.string(),
  by: z.string(),
});
/** A person changed an open incident's severity (paging and tickets follow a raise). */
const incidentSeverityChanged = z.object({
  incidentId: z.string(),
  title: z.string(),
  services: z.array(z.string()),
  from: z.enum(INCIDENT_SEVERITIES),
  to: z.enum(INCIDENT_SEVERITIES),
  by: z.string(),
});
/** `via`: where it was acknowledged (`slack`, or the paging tool whose webhook told us). */
const incidentAcknowledged = z.object({
  incidentId: z.string(),
  services: z.array(z.string()),
  severity: z.enum(INCIDENT_SEVERITIES),
  acknowledgedBy: z.string(),
  via: z.string().optional(),
});
/** A single finding (publishers of one finding at a time; batches use findingsChanged). */
const findingOpened = z.object({
  findingId: z.string(),
  fingerprint: z.string(),
  severity: z.string(),
  title: z.string(),
  service: z.string().optional(),
  env: z.string().optional(),
  inspector: z.string().optional(),
});
/** A scan batch was announced or its findings changed: only `scanId` is needed, the batch is read with FindingQueries. */
const findingsChanged = z.object({
  scanId: z.string(),
  inspector: z.string().optional(),
  env: z.string().optional(),
  service: z.string().optional(),
});

export const EVENTS = {
  runStarted: defineEvent('pipeline.run.started', runStarted),
  runFinished: defineEvent('pipeline.run.finished', runFinished),
  incidentDeclared: defineEvent('incident.declared', incidentDeclared),
  incidentResolved: defineEvent('incident.resolved', incidentResolved),
  incidentUpdated: defineEvent('incident.updated', incidentUpdated),
  incidentSeverityChanged: defineEvent('incident.severity_changed', incidentSeverityChanged),
  incidentAcknowledged: defineEvent('incident.acknowledged', incidentAcknowledged),
  findingOpened: defineEvent('inspect.finding.opened', findingOpened),
  findingsChanged: defineEvent('inspect.findings.changed', findingsChanged),
};

export type RunStartedEvent = z.infer<typeof runStarted>;
export type RunFinishedEvent = z.infer<typeof runFinished>;
export type IncidentDeclaredEvent = z.infer<typeof incidentDeclared>;
export type IncidentResolvedEvent = z.infer<typeof incidentResolved>;
export type IncidentUpdatedEvent = z.infer<typeof incidentUpdated>;
export type IncidentSeverityChangedEvent = z.infer<typeof incidentSeverityChanged>;
export type IncidentAcknowledgedEvent = z.infer<typeof incidentAcknowledged>;
export type FindingOpenedEvent = z.infer<typeof findingOpened>;
export type FindingsChangedEvent = z.infer<typeof findingsChanged>;
