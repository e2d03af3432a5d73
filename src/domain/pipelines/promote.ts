import type { Actor } from '../../core/access.js';
import { InvalidStateError, UsageError } from '../../core/errors.js';
import type { RunInfo } from '../contracts.js';
import { artifactParams } from './env-rules.js';
import { requireEnv } from './rules.js';
import type { PipelineEngine } from './service.js';

export interface PromoteRequest {
  runId: string;
  to: string;
  actor: Actor;
  channel: string;
  /** `--param k=v` for what may differ per environment; an artifact param may not. */
  params?: Record<string, string>;
  requestKey?: string;
}

/**
 * `/pipeline promote <run> --to production`: a new run of the same pipeline to another environment
 * that deploys exactly what the promoted run deployed: its ref and its params (the artifact ones
 * cannot be changed), with the stages the file marks `build: true` skipped. It goes through
 * `start` like any run, so the target's role, ref and soak rules, the deploy guards and the lock
 * all apply. Only a run that succeeded is promoted: anything else did not prove its build.
 */
export async function promoteRun(engine: PipelineEngine, req: PromoteRequest): Promise<RunInfo> {
  const from = await engine.requireDoc(req.runId);
  const def = engine.def(from.pipeline);
  const to = requireEnv(def, req.to);
  if (from.status !== 'succeeded') throw new InvalidStateError(`Run ${from.id} ${from.status}: only a run that succeeded can be promoted.`);
  if (to === from.env) throw new UsageError(`Run ${from.id} already deployed to \`${to}\`: promote it to another environment.`);
  const fixed = artifactParams(def).filter((k) => req.params?.[k] !== undefined);
  if (fixed.length)
    throw new UsageError(`\`${fixed.join('`, `')}\` names the build: a promotion deploys ${from.id}'s and cannot change it.`);
  // A `--plan` link travels as an undeclared `plan` param: it belongs to the promoted run's own
  // request and is given again with --plan if this run ships those items too.
  const { plan: _linked, ...carried } = from.params;
  const params = Object.hasOwn(def.params, 'plan') ? from.params : carried;
  return engine.start(
    {
      pipeline: def.name,
      env: to,
      ref: from.ref,
      params: { ...params, ...req.params },
      actor: req.actor,
      channel: req.channel,
      ...(req.requestKey ? { requestKey: req.requestKey } : {}),
    },
    { promotedFrom: from.id },
  );
}
