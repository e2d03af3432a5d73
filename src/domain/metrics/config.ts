import { existsSync } from 'node:fs';
import { z } from 'zod';
import { loadYamlFile } from '../../core/config/yaml-file.js';
import { parseDuration } from '../../core/time.js';

const duration = (what: string) =>
  z
    .string()
    .refine((s) => parseDuration(s) !== null, { message: `${what}: a duration such as 24h or 7d` })
    .transform((s) => ({ ms: parseDuration(s)!, text: s }));

/**
 * config/metrics.yml (optional: every key has a default). Which environments are production comes
 * from config/plan.yml's `productionEnvs`, the one place that names them.
 */
export const metricsConfigSchema = z
  .object({
    /** An incident, rollback or `--fix` deploy this long after a production deploy makes it a failed change. */
    failureWindow: duration('failureWindow').default({ ms: 86_400_000, text: '24h' }),
    digest: z
      .object({
        enabled: z.boolean().default(true),
        /** When the weekly digest is posted to each team channel (cron, in `tz`): Monday 09:00 by default. */
        cron: z
          .string()
          .regex(/^\S+( \S+){4}$/, 'a five-field cron expression, e.g. "0 9 * * 1"')
          .default('0 9 * * 1'),
        tz: z.string().min(1).default('UTC'),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export type MetricsConfig = z.infer<typeof metricsConfigSchema>;

export function loadMetricsConfig(file: string): MetricsConfig {
  return existsSync(file) ? loadYamlFile(file, metricsConfigSchema) : metricsConfigSchema.parse({});
}
