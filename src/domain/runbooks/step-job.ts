import { z } from 'zod';
import { defineJob } from '../../core/ports/jobs.js';

/** One automated step of one run, at one generation (a stale job finds a newer gen and does nothing). */
export const STEP_JOB = defineJob('runbook.step', z.object({ runId: z.string(), stepId: z.string(), gen: z.number().int() }));
