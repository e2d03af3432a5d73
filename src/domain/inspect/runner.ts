import { z } from 'zod';
import { isSwitchyardError } from '../../core/errors.js';
import type { FreezeQueries, IncidentQueries, RunInfo } from '../contracts.js';
import { runFieldValues } from '../placeholders.js';
import type { InspectConfig, ScanInspectorConfig } from './config.js';
import { checkLeaks, flattenSettings, redactSecrets } from './leaks.js';
import { evaluatePolicy } from './policy.js';
import type { CommandRunner, RunLogSource } from './ports.js';
import { ReportError } from './report-error.js';
import { parseSarif } from './sarif.js';
import { thresholdFor, verdictOf, type Threshold } from './thresholds.js';
import { parseTrivy } from './trivy.js';
import type { InspectorResult } from './types.js';
import type { RunningVersion } from './drift.js';

/**
 * Runs inspectors by name. In a pipeline they see the run (policy, reports, logs); in the landing
 * zone a scan inspector sees one running service version at a time.
 */
export interface ScanTarget {
  service: string;
  env: string;
  /** The ref in a pipeline, the running version in the landing zone. */
  ref: string;
  runId?: string;
  artifact?: string;
}

export interface RunnerDeps {
  config: InspectConfig;
  commands: CommandRunner;
  logs: RunLogSource;
  now(): number;
}

const PLACEHOLDER = /\{(service|ref|version|env|artifact|run)\}/g;

/** Fills `{service}` & co. A value starting with `-` would read as an option to the scanner: refused. */
export function fillArgv(argv: readonly string[], t: ScanTarget): string[] {
  const values: Record<string, string | undefined> = {
    service: t.service,
    ref: t.ref,
    version: t.ref,
    env: t.env,
    artifact: t.artifact ?? `${t.service}:${t.ref}`,
    run: t.runId ?? '',
  };
  return argv.map((a) =>
    a.replace(PLACEHOLDER, (_m, k: string) => {
      const v = values[k] ?? '';
      if (v.startsWith('-')) throw new ReportError(`{${k}} would start with "-" (${v.slice(0, 40)}), which a scanner reads as an option`);
      return v;
    }),
  );
}

function failed(name: string, type: string, id: string, message: string): InspectorResult {
  return {
    inspector: name,
    type,
    verdict: 'fail',
    findings: [
      { id, severity: 'high', title: message, fix: 'fix the scanner command or report path in config/inspectors.yml, then retry the run' },
    ],
    notes: [],
  };
}

export function scanThreshold(config: InspectConfig, def: { thresholds?: Record<string, Threshold> | undefined }, env: string): Threshold {
  return thresholdFor(env, def.thresholds, config.file.thresholds);
}

/** A scan: read the report named in the stage's settings, or run the configured command. */
export async function runScan(
  deps: RunnerDeps,
  name: string,
  def: ScanInspectorConfig,
  target: ScanTarget,
  o: { reportPath?: string; signal?: AbortSignal } = {},
): Promise<InspectorResult> {
  const notes: string[] = [];
  let text: string;
  try {
    if (o.reportPath) {
      text = await deps.commands.readReport(o.reportPath);
      notes.push(`report read from ${o.reportPath}`);
    } else {
      const argv = fillArgv(def.command, target);
      const res = await deps.commands.run({
        argv,
        timeoutMs: def.timeout,
        ...(def.cwd ? { cwd: def.cwd } : {}),
        ...(o.signal ? { signal: o.signal } : {}),
        label: `inspector ${name}`,
      });
      notes.push(`\`${argv[0]}\` exited with ${res.exitCode}`);
      text = res.output;
    }
    const findings = (def.format === 'sarif' ? parseSarif(text) : parseTrivy(text)).map((f) => ({
      ...f,
      title: redactSecrets(f.title),
      ...(f.location ? { location: redactSecrets(f.location) } : {}),
      ...(f.fix ? { fix: redactSecrets(f.fix) } : {}),
      ...(f.url ? { url: redactSecrets(f.url) } : {}),
    }));
    const threshold = scanThreshold(deps.config, def, target.env);
    return { inspector: name, type: 'scan', verdict: verdictOf(findings, threshold), findings, notes };
  } catch (err) {
    // A scanner that cannot say "clean" must not pass: the inspector fails and can be overridden.
    if (err instanceof ReportError) return failed(name, 'scan', 'report-invalid', `${name}: ${err.message}`);
    if (isSwitchyardError(err)) return failed(name, 'scan', 'scanner-failed', `${name}: ${err.message}`);
    throw err;
  }
}

/** Stage settings with `${{ params.x }}` and `${{ run.x }}` filled; inject references stay as written (they are not values). */
function renderSettings(withs: Record<string, unknown>, run: RunInfo): unknown {
  const fields: Record<string, string> = runFieldValues(run);
  const fill = (v: unknown): unknown => {
    if (typeof v === 'string') {
      return v.replace(/\$\{\{\s*(params|run)\.([A-Za-z0-9_.-]+)\s*\}\}/g, (_m, ns: string, key: string) =>
        ns === 'run' ? (fields[key] ?? '') : key === 'ref' ? run.ref : key === 'env' ? run.env : (run.params[key] ?? ''),
      );
    }
    if (Array.isArray(v)) return v.map(fill);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fill(x)]));
    return v;
  };
  return fill(withs);
}

export interface PipelineInspection {
  run: RunInfo;
  stageId: string;
  reports: Record<string, string>;
  artifact?: string;
  /** Definition of the run's pipeline, for rendered settings (absent: only params are checked). */
  definition: { stages: Array<{ id: string; with: Record<string, unknown> }> } | null;
  incidents?: IncidentQueries;
  freezes?: FreezeQueries;
  signal?: AbortSignal;
}

export async function runPipelineInspector(deps: RunnerDeps, name: string, p: PipelineInspection): Promise<InspectorResult> {
  const def = deps.config.file.inspectors[name];
  if (!def) return failed(name, 'unknown', 'unknown-inspector', `no inspector named ${name} in inspectors.yml`);
  const { run } = p;
  switch (def.type) {
    case 'policy':
      return evaluatePolicy(name, deps.config.policies[name] ?? deps.config.policy, {
        run,
        stageId: p.stageId,
        now: deps.now(),
        ...(p.incidents ? { incidents: p.incidents } : {}),
        ...(p.freezes ? { freezes: p.freezes } : {}),
      });
    case 'scan':
      return runScan(
        deps,
        name,
        def,
        { service: run.service, env: run.env, ref: run.ref, runId: run.id, ...(p.artifact ? { artifact: p.artifact } : {}) },
        {
          ...(p.reports[name] ? { reportPath: p.reports[name] } : {}),
          ...(p.signal ? { signal: p.signal } : {}),
        },
      );
    case 'secret-leak': {
      const settings = [
        ...flattenSettings(run.params, 'params'),
        ...(p.definition?.stages ?? []).flatMap((s) => flattenSettings(renderSettings(s.with, run), `stages.${s.id}.with`)),
      ];
      const logs = await deps.logs.logs(run);
      const result = checkLeaks(name, { logs: logs ?? [], settings });
      if (!logs) result.notes.push('run logs are not available from the pipelines capability: only settings were checked');
      return { ...result, verdict: verdictOf(result.findings, scanThreshold(deps.config, def, run.env)) };
    }
    case 'drift':
      return failed(
        name,
        'drift',
        'not-in-pipeline',
        `${name} is a drift inspector; it runs in the landing zone (/inspect run ${name} --env ${run.env})`,
      );
  }
}

const inventorySchema = z.array(z.object({ service: z.string().min(1), version: z.string().min(1) }).loose());

/** Runs the inventory command for an environment: JSON `[{service, version}]` on stdout. */
export async function readInventory(deps: RunnerDeps, env: string): Promise<RunningVersion[]> {
  const inv = deps.config.file.inventory;
  if (!inv) throw new ReportError('no inventory command is configured in inspectors.yml');
  const argv = inv.command.map((a) => a.split('{env}').join(env));
  const res = await deps.commands.run({ argv, timeoutMs: inv.timeout, ...(inv.cwd ? { cwd: inv.cwd } : {}), label: 'inventory' });
  let doc: unknown;
  try {
    doc = JSON.parse(res.output);
  } catch {
    throw new ReportError(`inventory for ${env}: stdout is not JSON`);
  }
  const parsed = inventorySchema.safeParse(doc);
  if (!parsed.success)
    throw new ReportError(
      `inventory for ${env}: expected [{service, version}] ` +
        `(${parsed.error.issues[0]?.path.join('.') ?? ''}: ${parsed.error.issues[0]?.message ?? ''})`,
    );
  return parsed.data.map((x) => ({ service: x.service, version: x.version }));
}
