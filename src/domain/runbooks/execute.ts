import { maskSecrets } from '../../core/mask.js';
import type { JsonValue } from '../../core/ports/jobs.js';
import type { RunInfo, StageContext, StageKind, StageOutcome } from '../contracts.js';
import { injectKeys, runFieldValues, substitute } from '../placeholders.js';
import type { Services } from '../services.js';
import type { RunbookRun, StepState } from './model.js';
import type { StepDef } from './schema.js';

/** How long an automated step may run when it names no timeout. */
export const DEFAULT_STEP_TIMEOUT_MS = 10 * 60_000;
const KEPT_LOG_LINES = 20;

export interface StepResultRecord {
  status: 'succeeded' | 'failed';
  summary: string;
  link?: string;
  log: string[];
}

/**
 * What the built-in kinds take on top of the StageContext contract (see BuiltinStageContext in the
 * pipelines capability): a checkpoint kept on the step, so a CI step resumes its remote run after a
 * restart instead of triggering another, and the step's timeout.
 */
type RunnableContext = StageContext & {
  checkpoint: { get(): { [key: string]: JsonValue } | undefined; save(value: { [key: string]: JsonValue }): Promise<void> };
  timeoutMs: number;
};

export interface StepIo {
  services: Services;
  /** The outbound boundary's registry: secrets handled here are masked wherever they go. */
  rememberSecrets(values: Iterable<string>): void;
  saveCheckpoint(value: Record<string, unknown>): Promise<void>;
}

/**
 * Runs one automated step with a stage kind from the STAGE_KINDS registry, under the rules of a
 * pipeline stage: `${{ inject.* }}` resolved through the injection capability when the step starts
 * (secrets kept in memory only and masked in every line, summary and error), `${{ run.* }}` fields
 * and earlier steps' values as `${{ params.<step> }}` (reaching shell steps as SWITCHYARD_*
 * environment variables, never as shell text).
 */
export async function runAutomatedStep(
  io: StepIo,
  kind: StageKind,
  run: RunbookRun,
  def: StepDef,
  state: StepState,
): Promise<StepResultRecord> {
  const secrets = new Set<string>();
  const lines: string[] = [];
  const info = runInfo(run, def);
  const controller = new AbortController();
  const timeoutMs = def.timeout ?? DEFAULT_STEP_TIMEOUT_MS;
  const timer = setTimeout(() => controller.abort(new Error(`timed out after ${Math.round(timeoutMs / 1000)}s`)), timeoutMs);
  let checkpoint = state.checkpoint as { [key: string]: JsonValue } | undefined;
  try {
    const settings = await resolveSettings(io, info, def.run!.with, secrets, (l) => lines.push(l));
    io.rememberSecrets(secrets);
    const ctx: RunnableContext = {
      run: info,
      stage: { id: def.id, kind: kind.kind, attempt: state.gen },
      settings,
      secrets,
      log: async (line) => void lines.push(maskSecrets(line, secrets)),
      signal: controller.signal,
      setLink: async () => undefined,
      timeoutMs,
      checkpoint: {
        get: () => checkpoint,
        save: async (value) => {
          checkpoint = value;
          await io.saveCheckpoint(value);
        },
      },
    };
    // The timeout ends the wait at once; the kind sees the same signal and stops its work.
    const aborted = new Promise<never>((_, reject) =>
      controller.signal.addEventListener('abort', () => reject(controller.signal.reason as Error), { once: true }),
    );
    aborted.catch(() => undefined);
    const outcome: StageOutcome = await Promise.race([kind.run(ctx), aborted]);
    if (outcome.status === 'waiting')
      return { status: 'failed', summary: `${kind.kind} hands off to a person: run it in a pipeline step`, log: tail(lines) };
    return {
      status: outcome.status,
      summary: maskSecrets(outcome.summary ?? outcome.status, secrets).slice(0, 300),
      ...(outcome.link ? { link: outcome.link } : {}),
      log: tail(lines),
    };
  } catch (err) {
    const message = maskSecrets(err instanceof Error ? err.message : String(err), secrets)
      .split('\n')[0]!
      .slice(0, 300);
    return { status: 'failed', summary: message, log: tail([...lines, `error: ${message}`]) };
  } finally {
    clearTimeout(timer);
  }
}

function tail(lines: string[]): string[] {
  return lines.slice(-KEPT_LOG_LINES).map((l) => l.slice(0, 300));
}

/** The run as a stage kind sees it: the runbook's first service, the run's environment, step values as params. */
function runInfo(run: RunbookRun, def: StepDef): RunInfo {
  const params: Record<string, string> = {};
  for (const s of run.steps) if (s.value !== undefined) params[s.id] = s.value;
  return {
    id: run.id,
    pipeline: `runbook:${run.runbook}`,
    service: run.def.services[0] ?? run.runbook,
    teamChannel: run.channel,
    env: run.env ?? '',
    ref: '',
    params,
    triggeredBy: run.startedBy,
    channel: run.channel,
    status: 'running',
    createdAt: run.createdAt,
    messageKey: run.messageKey,
    stages: [{ id: def.id, kind: def.run!.kind, status: 'running' }],
  };
}

async function resolveSettings(
  io: StepIo,
  info: RunInfo,
  raw: Record<string, unknown>,
  secrets: Set<string>,
  log: (line: string) => void,
): Promise<Record<string, unknown>> {
  const keys = injectKeys(raw);
  let injected: Record<string, { value: string; secret: boolean; source: string; path: string }> = {};
  if (keys.length) {
    const resolver = io.services.maybe('injection');
    if (!resolver) throw new Error(`step needs inject.${keys[0]}, but the injection capability is not enabled in this deployment`);
    if (!info.env) throw new Error(`step needs inject.${keys[0]}: start the runbook with --env`);
    try {
      injected = await resolver.resolve(info.service, info.env, keys);
    } catch (err) {
      // The resolver names keys and sources, never values.
      throw new Error(`injecting ${keys.join(', ')} failed: ${(err as Error).message}`);
    }
    for (const k of keys) {
      const v = injected[k];
      if (!v) throw new Error(`inject.${k} was not resolved for ${info.service}/${info.env}`);
      if (v.secret) secrets.add(v.value);
      log(`injected ${k}${v.secret ? ' (secret)' : ''} from ${v.source}:${v.path}`);
    }
  }
  const fields: Record<string, string> = runFieldValues(info);
  return substitute(raw, (ns, key) =>
    ns === 'params' ? (info.params[key] ?? '') : ns === 'run' ? (fields[key] ?? '') : (injected[key]?.value ?? ''),
  ) as Record<string, unknown>;
}
