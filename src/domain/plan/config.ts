import { z } from 'zod';
import { loadYamlFile } from '../../core/config/yaml-file.js';

/** config/plan.yml: how long iterations last and which runs count as shipping to production. */
export const planConfigSchema = z
  .object({
    /** Length of an iteration when `--days` is not given (and of the first, automatic one). */
    iterationDays: z.number().int().min(1).max(90).default(14),
    /** Name of automatic iterations: `<prefix> <n>`. */
    iterationPrefix: z.string().min(1).max(40).default('Iteration'),
    /** A successful run into one of these environments ships the items linked to it. */
    productionEnvs: z.array(z.string().min(1)).min(1).default(['production', 'prod']),
    /** Inspector findings at these severities become plan items. */
    findingSeverities: z.array(z.enum(['low', 'medium', 'high', 'critical'])).default(['high', 'critical']),
    /** App Home board: at most this many items per state column. */
    homeItemsPerState: z.number().int().min(1).max(10).default(6),
    /**
     * A bare `/plan iteration close` within this many minutes of a bare close that started the
     * current iteration is taken for a repeat and refused (name the iteration to close it anyway).
     */
    repeatCloseMinutes: z.number().int().min(0).max(1440).optional(),
  })
  .strict();

export type PlanConfig = z.infer<typeof planConfigSchema>;

export function loadPlanConfig(file: string): PlanConfig {
  return loadYamlFile(file, planConfigSchema);
}

/** Default of `repeatCloseMinutes` (left out of the parsed file so its documented shape stays). */
export const REPEAT_CLOSE_MINUTES = 60;
