import { z } from 'zod';
import { defineJob } from '../../core/ports/jobs.js';
import { JOB } from './deps.js';

/**
 * The incident jobs' payloads, declared once: the enqueue sites and the processors share these
 * types, and a payload an older version (or a person) queued in another shape fails at once,
 * coded, instead of being read as `String(undefined)`. Jobs carry ids and counters, never content.
 */
const incidentId = z.string().regex(/^INC-\d+$/);

export const SETUP_JOB = defineJob(JOB.setup, z.object({ id: incidentId }));
export const REFRESH_JOB = defineJob(JOB.refresh, z.object({ id: incidentId }));
/** `gen`: the reminder generation; a reminder of an older generation is stale. */
export const REMIND_JOB = defineJob(JOB.remind, z.object({ id: incidentId, gen: z.number().int().min(0) }));
/** `level`: the escalation level this timer pages when nobody acknowledged. */
export const ESCALATE_JOB = defineJob(JOB.escalate, z.object({ id: incidentId, level: z.number().int().min(1) }));
