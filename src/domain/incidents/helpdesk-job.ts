import { z } from 'zod';
import { defineJob } from '../../core/ports/jobs.js';
import { SEVERITIES } from './config.js';
import { JOB } from './deps.js';
import { STATUSES } from './model.js';

/**
 * The help desk delivery job carries the webhook body itself (HelpdeskEvent in helpdesk-port.ts),
 * so a retry sends exactly what was first built. Its schema is checked against HelpdeskEvent
 * where the processor hands the parsed data to the notifier.
 */
const helpdeskEvent = z.object({
  delivery_id: z.string(),
  event: z.enum(['incident.declared', 'incident.updated', 'incident.status_changed', 'incident.severity_changed', 'incident.resolved']),
  at: z.string(),
  incident: z.object({
    id: z.string(),
    title: z.string(),
    severity: z.enum(SEVERITIES),
    status: z.enum(STATUSES),
    services: z.array(z.string()),
    commander: z.string().optional(),
    slack_channel: z.string().optional(),
    declared_at: z.string(),
    resolved_at: z.string().optional(),
    tickets: z.array(z.string()),
  }),
  message: z.string().optional(),
});

export const HELPDESK_JOB = defineJob(JOB.helpdesk, helpdeskEvent);
export type HelpdeskJob = z.infer<typeof helpdeskEvent>;
