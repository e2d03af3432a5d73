import { dirname, isAbsolute, join } from 'node:path';
import { z } from 'zod';
import { loadYamlFile } from '../../core/config/yaml-file.js';
import { ConfigError } from '../../core/errors.js';
import { parseDuration } from '../../core/time.js';
import { DEFAULT_DRIFT_SEVERITIES } from './drift.js';
import { policyFileSchema, type PolicyFile } from './policy.js';
import { thresholdsByEnvSchema } from './thresholds.js';
import { SEVERITIES } from './types.js';

/**
 * config/inspectors.yml: the inspectors by name, thresholds per environment, the inventory
 * command, landing-zone schedules per environment and where findings are announced.
 * Commands are argv arrays (never a shell line), so `{service}` or `{ref}` cannot inject anything.
 */
const duration = z.string().refine((s) => parseDuration(s) !== null, 'a duration like 30s, 10m, 1h or 7d');
/** Milliseconds as a number (tests), or a duration string. */
const interval = z.union([z.number().int().positive(), duration]).transform((v) => (typeof v === 'number' ? v : parseDuration(v)!));
const argv = z.array(z.string().min(1)).min(1);
const channelId = z.string().regex(/^[CGD][A-Z0-9]{2,}$/, 'a Slack channel id like C012ABCDEF');

/**
 * A `${{ params.* }}`, `${{ run.* }}` or `${{ inject.* }}` written into a command is never filled
 * in here, and must not be: typed values reach a command only through the argv placeholders
 * below, each of which fills exactly one argument. Refused with the placeholder to use instead.
 */
const INTERPOLATION = /\$\{\{\s*(params|run|inject)\.([A-Za-z0-9_.-]+)\s*\}\}/g;
const ARGV_FOR: Record<string, string> = { ref: '{ref}', version: '{version}', env: '{env}', service: '{service}', id: '{run}' };

function refuseInterpolation(
  value: string | undefined,
  path: Array<string | number>,
  ctx: z.RefinementCtx,
  allowed: readonly string[],
): void {
  for (const m of (value ?? '').matchAll(INTERPOLATION)) {
    const hint = ARGV_FOR[m[2]!];
    const use = !allowed.length
      ? 'a working directory takes no placeholders: write a fixed path'
      : hint && allowed.includes(hint)
        ? `use the argument placeholder ${hint} instead`
        : `pass values only through its placeholders (${allowed.join(' ')})`;
    ctx.addIssue({ code: 'custom', path, message: `${m[0]} would paste a typed value into a command: ${use}` });
  }
}

const SCAN_PLACEHOLDERS = ['{service}', '{ref}', '{version}', '{env}', '{artifact}', '{run}', '{report}'];

const policyInspector = z
  .object({ type: z.literal('policy'), description: z.string().optional(), policyFile: z.string().optional() })
  .strict();
const leakInspector = z
  .object({ type: z.literal('secret-leak'), description: z.string().optional(), thresholds: thresholdsByEnvSchema.optional() })
  .strict();
const scanInspector = z
  .object({
    type: z.literal('scan'),
    description: z.string().optional(),
    format: z.enum(['sarif', 'trivy']),
    /**
     * argv; placeholders {service} {ref} {version} {env} {artifact} {run} and {report}
     * (a temp file the report is read from; stdout otherwise).
     */
    command: argv,
    timeout: interval.default(10 * 60_000),
    cwd: z.string().optional(),
    thresholds: thresholdsByEnvSchema.optional(),
  })
  .strict();
const driftInspector = z
  .object({
    type: z.literal('drift'),
    description: z.string().optional(),
    severities: z
      .object({ mismatch: z.enum(SEVERITIES), missing: z.enum(SEVERITIES), unmanaged: z.enum(SEVERITIES) })
      .partial()
      .optional(),
  })
  .strict();

export const inspectorSchema = z.discriminatedUnion('type', [policyInspector, leakInspector, scanInspector, driftInspector]);
export type InspectorConfig = z.infer<typeof inspectorSchema>;
export type ScanInspectorConfig = z.infer<typeof scanInspector>;

const schedule = z
  .object({
    every: interval.optional(),
    cron: z
      .string()
      .regex(/^(\S+\s+){4,5}\S+$/, 'a cron expression with 5 or 6 fields')
      .optional(),
    tz: z.string().optional(),
    inspectors: z.array(z.string()).min(1),
  })
  .strict()
  .refine((s) => Boolean(s.every) !== Boolean(s.cron), 'give exactly one of `every` or `cron`');

export const inspectorsFileSchema = z
  .object({
    policyFile: z.string().default('policies/default.yml'),
    thresholds: thresholdsByEnvSchema.default({}),
    inspectors: z.record(z.string().regex(/^[a-z][a-z0-9-]*$/, 'inspector names are lowercase words joined by -'), inspectorSchema),
    inventory: z
      .object({ command: argv, timeout: interval.default(60_000), cwd: z.string().optional() })
      .strict()
      .optional(),
    landingZone: z.record(z.string(), schedule).default({}),
    channels: z
      .object({ default: channelId.optional(), services: z.record(z.string(), channelId).default({}) })
      .strict()
      .default({ services: {} }),
    findings: z
      .object({ ackExpiry: duration.default('30d'), ackMaxExpiry: duration.default('180d') })
      .strict()
      .default({ ackExpiry: '30d', ackMaxExpiry: '180d' }),
    /** Directory report paths in stage settings are read from (relative to the process's working dir). */
    reportsDir: z.string().default('.'),
  })
  .strict()
  .superRefine((f, ctx) => {
    const names = Object.keys(f.inspectors);
    for (const [name, def] of Object.entries(f.inspectors)) {
      if (def.type !== 'scan') continue;
      def.command.forEach((a, i) => refuseInterpolation(a, ['inspectors', name, 'command', i], ctx, SCAN_PLACEHOLDERS));
      refuseInterpolation(def.cwd, ['inspectors', name, 'cwd'], ctx, []);
    }
    if (f.inventory) {
      f.inventory.command.forEach((a, i) => refuseInterpolation(a, ['inventory', 'command', i], ctx, ['{env}']));
      refuseInterpolation(f.inventory.cwd, ['inventory', 'cwd'], ctx, []);
    }
    for (const [env, s] of Object.entries(f.landingZone)) {
      s.inspectors.forEach((name, i) => {
        const def = f.inspectors[name];
        if (!def)
          ctx.addIssue({
            code: 'custom',
            path: ['landingZone', env, 'inspectors', i],
            message: `unknown inspector ${name} (known: ${names.join(', ')})`,
          });
        else if (def.type !== 'drift' && def.type !== 'scan')
          ctx.addIssue({
            code: 'custom',
            path: ['landingZone', env, 'inspectors', i],
            message: `${name} is a ${def.type} inspector, which needs a pipeline run; the landing zone takes drift and scan inspectors`,
          });
        else if (def.type === 'drift' && !f.inventory)
          ctx.addIssue({ code: 'custom', path: ['inventory'], message: 'drift needs an inventory command' });
      });
    }
  });
export type InspectorsFile = z.infer<typeof inspectorsFileSchema>;

export interface InspectConfig {
  file: InspectorsFile;
  policy: PolicyFile;
  /** Policy files by inspector name (an inspector may name its own file). */
  policies: Record<string, PolicyFile>;
}

export function driftSeverities(def: Extract<InspectorConfig, { type: 'drift' }>) {
  return { ...DEFAULT_DRIFT_SEVERITIES, ...def.severities };
}

/** Loads inspectors.yml (relative to the config dir) and the policy files it names (relative to it). */
export function loadInspectConfig(configDir: string, file = 'inspectors.yml'): InspectConfig {
  const path = isAbsolute(file) ? file : join(configDir, file);
  const parsed = loadYamlFile(path, inspectorsFileSchema);
  const resolve = (p: string) => (isAbsolute(p) ? p : join(dirname(path), p));
  const policy = loadYamlFile(resolve(parsed.policyFile), policyFileSchema);
  const policies: Record<string, PolicyFile> = {};
  for (const [name, def] of Object.entries(parsed.inspectors)) {
    if (def.type === 'policy') policies[name] = def.policyFile ? loadYamlFile(resolve(def.policyFile), policyFileSchema) : policy;
  }
  if (!Object.keys(parsed.inspectors).length) throw new ConfigError(`${path}: define at least one inspector`);
  return { file: parsed, policy, policies };
}
