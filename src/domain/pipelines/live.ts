import type { Actor } from '../../core/access.js';
import { InvalidStateError, NotFoundError } from '../../core/errors.js';
import type { RunInfo } from '../contracts.js';
import { serviceEnvs } from './env-rules.js';
import type { RunDoc } from './model.js';
import type { PipelineEngine } from './service.js';

/**
 * "What is live where": per service and environment, the last run that succeeded there (all the
 * service's pipelines), and the good deploy before it to roll back to. A rollback follows
 * src/domain/incidents/deploy.ts: a run of the live run's pipeline with the earlier run's ref and
 * params, started with `rollbackOf`. The earlier run must be a different build (ref or params):
 * deploying again what is live would change nothing.
 */
export interface LiveEntry {
  service: string;
  env: string;
  /** The run that deployed what is live, or null when nothing has succeeded there yet. */
  live: RunDoc | null;
  /** The good deploy a rollback returns to, if any. */
  previous: RunDoc | null;
}

const finished = (r: RunDoc): number => r.finishedAt ?? r.createdAt;
// Params in a stable order: `--param a=1 --param b=2` and `--param b=2 --param a=1` are one build.
const paramsKey = (r: RunDoc): string => JSON.stringify(Object.entries(r.params).sort(([a], [b]) => a.localeCompare(b)));
const sameParams = (a: RunDoc, b: RunDoc): boolean => paramsKey(a) === paramsKey(b);
const SCAN = 50;

/** The good deploy before `live`: same pipeline and environment, succeeded, finished earlier, another build. */
export function previousGood(runs: RunDoc[], live: RunDoc): RunDoc | null {
  return (
    runs
      .filter((r) => r.id !== live.id && r.pipeline === live.pipeline && r.env === live.env && r.status === 'succeeded')
      .filter((r) => finished(r) < finished(live) && (r.ref !== live.ref || !sameParams(r, live)))
      .sort((a, b) => finished(b) - finished(a))[0] ?? null
  );
}

export async function liveEntries(engine: PipelineEngine, service?: string): Promise<LiveEntry[]> {
  const services = serviceEnvs(engine.pipelineNames().map((n) => engine.def(n)));
  if (service && !services.has(service)) throw new NotFoundError('service', service, [...services.keys()].sort());
  const out: LiveEntry[] = [];
  for (const [svc, envs] of [...services].sort(([a], [b]) => a.localeCompare(b))) {
    if (service && svc !== service) continue;
    for (const env of envs) {
      const runs = await engine.recentDocs({ service: svc, env, limit: SCAN });
      const live = runs.filter((r) => r.status === 'succeeded').sort((a, b) => finished(b) - finished(a))[0] ?? null;
      out.push({ service: svc, env, live, previous: live ? previousGood(runs, live) : null });
    }
  }
  return out;
}

/**
 * The Roll back button: `liveRunId` must still be what is live in its environment (someone may
 * have deployed since the list was shown), and `targetRunId` a good deploy before it. The run
 * posts in `channel`, or in the team's channel when pressed where there is none.
 */
export async function rollBackLive(
  engine: PipelineEngine,
  req: { liveRunId: string; targetRunId: string; actor: Actor; channel?: string; requestKey?: string },
): Promise<{ run: RunInfo; live: RunDoc; target: RunDoc }> {
  const live = await engine.requireDoc(req.liveRunId);
  const target = await engine.requireDoc(req.targetRunId);
  const runs = await engine.recentDocs({ service: live.service, env: live.env, limit: SCAN });
  const current = runs.filter((r) => r.status === 'succeeded').sort((a, b) => finished(b) - finished(a))[0];
  if (current?.id !== live.id)
    throw new InvalidStateError(
      `${live.id} is no longer live in ${live.service}/${live.env}${current ? ` (${current.id} is)` : ''}: ` +
        `see \`/pipeline live ${live.service}\` again.`,
    );
  const good = target.status === 'succeeded' && target.pipeline === live.pipeline && target.env === live.env;
  if (!good || finished(target) >= finished(live))
    throw new InvalidStateError(`${target.id} is not a good deploy of ${live.pipeline} to ${live.env} before ${live.id}.`);
  const run = await engine.startRun({
    pipeline: live.pipeline,
    env: live.env,
    ref: target.ref,
    params: target.params,
    actor: req.actor,
    // Pressed where no channel is known (the App Home): the run posts in its team's channel.
    channel: req.channel ?? live.teamChannel,
    rollbackOf: live.id,
    ...(req.requestKey ? { requestKey: req.requestKey } : {}),
  });
  return { run, live, target };
}
