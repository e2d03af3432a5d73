import { SEVERITIES, severityRank, type Finding, type Severity, type Verdict } from './types.js';
import { z } from 'zod';

/**
 * A threshold says from which severity a finding warns and from which it fails, e.g. production
 * `{ fail: critical, warn: high }`, staging `{ warn: high }`. Unset means "never".
 */
export const thresholdSchema = z
  .object({
    fail: z.enum(SEVERITIES).optional().describe('findings at or above this severity fail the inspector'),
    warn: z.enum(SEVERITIES).optional().describe('findings at or above this severity warn'),
  })
  .strict();
export type Threshold = z.infer<typeof thresholdSchema>;

/** Per environment, with `default` for environments not listed. */
export const thresholdsByEnvSchema = z.record(z.string(), thresholdSchema);
export type ThresholdsByEnv = z.infer<typeof thresholdsByEnvSchema>;

/** Without any configuration a critical fails and a high warns: safe rather than silent. */
export const FALLBACK_THRESHOLD: Threshold = { fail: 'critical', warn: 'high' };

export function thresholdFor(env: string, ...layers: Array<ThresholdsByEnv | undefined>): Threshold {
  for (const layer of layers) {
    const t = layer?.[env] ?? layer?.default;
    if (t) return t;
  }
  return FALLBACK_THRESHOLD;
}

export function verdictOf(findings: readonly Finding[], threshold: Threshold): Verdict {
  const at = (s: Severity | undefined) => (s === undefined ? Infinity : severityRank(s));
  const top = Math.max(-1, ...findings.map((f) => severityRank(f.severity)));
  if (top >= at(threshold.fail)) return 'fail';
  if (top >= at(threshold.warn)) return 'warn';
  return 'pass';
}

export function describeThreshold(t: Threshold): string {
  const parts = [t.fail ? `fail ≥ ${t.fail}` : 'never fails', t.warn ? `warn ≥ ${t.warn}` : 'never warns'];
  return parts.join(', ');
}
