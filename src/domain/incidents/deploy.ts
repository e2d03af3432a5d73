import type { Actor } from '../../core/access.js';
import { AccessControl } from '../../core/access.js';
import { InvalidStateError, NotFoundError } from '../../core/errors.js';
import { subscribe, type Subscription } from '../../core/events.js';
import { EVENTS, type DeployGuard, type RunFinishedEvent, type RunInfo, type RunStartedEvent } from '../contracts.js';
import { servicesOf } from '../services.js';
import type { IncidentDeps } from './deps.js';
import { isOpen, normalizeIncidentId, type Incident } from './model.js';
import { scheduleRefresh } from './notify.js';
import { mention } from '../../core/outbound.js';

const DAY_MS = 24 * 3600_000;

/**
 * Deploy-aware incidents: the summary lists recent deployments of the affected services with a
 * Roll back button; open SEV1/SEV2 incidents freeze production deploys of their services unless
 * the run ships the fix (`--fix <incident-id>`). Pipelines are optional: without them the summary
 * says nothing about deploys and no guard has anything to refuse.
 */
export async function recentDeploys(d: IncidentDeps, inc: Incident): Promise<RunInfo[]> {
  const pipelines = servicesOf(d.ctx).maybe('pipelines');
  if (!pipelines) return [];
  const sinceMs = Math.min(inc.declaredAt, d.ctx.clock.now()) - DAY_MS;
  const runs: RunInfo[] = [];
  for (const service of inc.services) {
    try {
      runs.push(...(await pipelines.recentRuns({ service, sinceMs, limit: 20 })));
    } catch (err) {
      d.ctx.log.warn({ incident: inc.id, err: (err as Error).message }, 'recent runs unavailable');
    }
  }
  const seen = new Set<string>();
  return runs.filter((r) => !seen.has(r.id) && seen.add(r.id)).sort((a, b) => (b.startedAt ?? b.createdAt) - (a.startedAt ?? a.createdAt));
}

/** Starts a run of the last successful ref before `runId`, same pipeline and environment. */
export async function rollBack(
  d: IncidentDeps,
  inc: Incident,
  runId: string,
  actor: Actor,
  channel: string,
  requestKey?: string,
): Promise<{ run: RunInfo; target: RunInfo }> {
  if (!isOpen(inc)) throw new InvalidStateError(`${inc.id} is resolved; start a rollback with /pipeline instead.`);
  AccessControl.require(actor, 'deployer', 'roll back a deployment');
  const pipelines = servicesOf(d.ctx).get('pipelines');
  const run = await pipelines.getRun(runId);
  if (!run) throw new NotFoundError('run', runId);
  const earlier = (await pipelines.recentRuns({ pipeline: run.pipeline, env: run.env, limit: 50 }))
    .filter((r) => r.id !== run.id && r.status === 'succeeded' && r.createdAt < run.createdAt)
    .sort((a, b) => b.createdAt - a.createdAt);
  const target = earlier[0];
  if (!target)
    throw new InvalidStateError(`No successful run of ${run.pipeline} to ${run.env} before \`${run.id}\`: nothing to roll back to.`);
  const started = await pipelines.startRun({
    pipeline: run.pipeline,
    env: run.env,
    ref: target.ref,
    params: target.params,
    actor,
    channel,
    rollbackOf: run.id,
    // A rollback during the incident is its fix, so the incident's own freeze lets it through.
    fixIncident: inc.id,
    ...(requestKey ? { requestKey } : {}),
  });
  await d.repo.addTimeline(inc.id, {
    at: d.ctx.clock.now(),
    kind: 'rollback',
    actor: actor.userId,
    text: `Rollback of ${run.id} (${run.ref}) to ${target.ref} started as run ${started.id}`,
  });
  await d.ctx.audit.record({
    actor: actor.userId,
    action: 'incident rollback',
    outcome: 'ok',
    target: `${inc.id} ${run.id}`,
    detail: `to ${target.ref} as ${started.id}`,
    channel,
  });
  return { run: started, target };
}

export function incidentDeployGuard(d: IncidentDeps, openIncidents: (service: string) => Promise<Incident[]>): DeployGuard {
  return {
    name: 'open-incident',
    async check(req) {
      if (!d.cfg.freeze.environments.includes(req.env)) return { allowed: true };
      const blocking = (await openIncidents(req.service)).filter((i) => d.cfg.freeze.severities.includes(i.severity));
      if (!blocking.length) return { allowed: true };
      const wanted = req.fixIncident ? normalizeIncidentId(req.fixIncident) : null;
      const fixed = wanted ? blocking.find((i) => i.id === wanted) : undefined;
      if (fixed) {
        await d.repo.addTimeline(fixed.id, {
          at: req.at,
          kind: 'fix-deploy',
          actor: req.actor.userId,
          text: `Fix deployment of ${req.service} to ${req.env} (pipeline ${req.pipeline}) let through the freeze`,
        });
        await d.ctx.audit.record({
          actor: req.actor.userId,
          action: 'incident freeze pass',
          outcome: 'ok',
          target: fixed.id,
          detail: `${req.pipeline} ${req.service} ${req.env}`,
        });
        return { allowed: true };
      }
      const names = blocking.map((i) => `${i.id} (${i.severity})`).join(', ');
      return {
        allowed: false,
        overridable: false,
        reason:
          `${names} is open for ${req.service}: production deploys of ${req.service} are frozen. ` +
          `Ship the fix with \`--fix ${blocking[0]!.id}\`.`,
      };
    },
  };
}

/** Runs of an incident's services refresh its summary; runs marked `--fix` land on its timeline. */
export function runSubscriptions(d: IncidentDeps, openIncidents: (service: string) => Promise<Incident[]>): Subscription[] {
  const handle = async (phase: 'started' | 'finished', run: RunStartedEvent & Partial<Pick<RunFinishedEvent, 'status'>>) => {
    if (!run.service) return;
    const fixId = run.fixIncident ? normalizeIncidentId(run.fixIncident) : null;
    if (fixId) {
      const inc = await d.repo.get(fixId);
      if (inc) {
        const text =
          phase === 'started'
            ? `Fix run ${run.runId} of ${run.pipeline} (${run.ref}) to ${run.env} started by ${mention(run.triggeredBy)}`
            : `Fix run ${run.runId} to ${run.env} finished: ${run.status}`;
        await d.repo.addTimelineOnce(inc.id, `run-${phase}-${run.runId}`, {
          at: d.ctx.clock.now(),
          kind: 'fix-deploy',
          ...(run.triggeredBy ? { actor: run.triggeredBy } : {}),
          text,
        });
      }
    }
    for (const inc of await openIncidents(run.service)) await scheduleRefresh(d, inc, `run-${run.runId}-${phase}`);
  };
  return [
    subscribe(EVENTS.runStarted, 'incidents.run-started', (e) => handle('started', e.data)),
    subscribe(EVENTS.runFinished, 'incidents.run-finished', (e) => handle('finished', e.data)),
  ];
}
