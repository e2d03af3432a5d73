import type { IncidentQueries, PipelineService, RunInfo } from '../contracts.js';
import type { DeployRecord, IncidentRecord, LeadBasis } from './dora.js';

/** How many runs one metrics answer reads at most per pipeline: far above 10,000 runs a window. */
const MAX_RUNS = 100_000;

/** What the metrics are computed over: production deploys and incidents on production services. */
export interface MetricsScope {
  service?: string;
  /** A team channel id: the pipelines whose team channel it is. */
  team?: string;
}

/** The change's start when better known than the run's trigger time (a commit's time, a plan item's start). */
export interface ChangeClock {
  changeStart(run: RunInfo): Promise<{ at: number; basis: Exclude<LeadBasis, 'trigger'> } | null>;
}

export interface MetricsSourceDeps {
  /** Looked up per call: the capabilities provide their services once every module is built. */
  pipelines(): PipelineService;
  incidents(): IncidentQueries;
  productionEnvs: readonly string[];
  changeClock?: ChangeClock;
}

/**
 * Reads the records the pipelines and incidents capabilities keep, through their contracts, for
 * everything that finished or started at or after `sinceMs`.
 */
export class MetricsSource {
  constructor(private readonly d: MetricsSourceDeps) {}

  /** Pipelines that deploy to a production environment, with their service and team. */
  productionPipelines(scope: MetricsScope = {}): Array<{ name: string; service: string; envs: string[] }> {
    const out: Array<{ name: string; service: string; envs: string[] }> = [];
    for (const name of this.d.pipelines().pipelineNames()) {
      const def = this.d.pipelines().definition(name);
      if (!def) continue;
      const envs = def.environments.filter((e) => this.d.productionEnvs.includes(e));
      if (!envs.length || (scope.service && def.service !== scope.service)) continue;
      out.push({ name, service: def.service, envs });
    }
    return out;
  }

  async deploys(sinceMs: number, scope: MetricsScope = {}): Promise<DeployRecord[]> {
    const records: DeployRecord[] = [];
    for (const p of this.productionPipelines(scope)) {
      for (const env of p.envs) {
        const runs = await this.d.pipelines().recentRuns({ pipeline: p.name, env, sinceMs, limit: MAX_RUNS });
        for (const run of runs) {
          if (scope.team && run.teamChannel !== scope.team) continue;
          const record = await this.toRecord(run);
          if (record) records.push(record);
        }
      }
    }
    return records.sort((a, b) => a.finishedAt - b.finishedAt);
  }

  /** Incidents on a production service (or, with a scope, on the scope's services). */
  async incidents(sinceMs: number, scope: MetricsScope = {}, teamServices?: ReadonlySet<string>): Promise<IncidentRecord[]> {
    const production = new Set(this.productionPipelines(scope).map((p) => p.service));
    const wanted = teamServices ? new Set([...production].filter((s) => teamServices.has(s))) : production;
    const all = await this.d.incidents().declaredSince(sinceMs);
    return all
      .filter((i) => i.services.some((s) => wanted.has(s)))
      .map((i) => ({
        incidentId: i.id,
        services: i.services.filter((s) => wanted.has(s)),
        startedAt: i.declaredAt,
        ...(i.resolvedAt !== undefined ? { resolvedAt: i.resolvedAt } : {}),
      }))
      .sort((a, b) => a.startedAt - b.startedAt);
  }

  private async toRecord(run: RunInfo): Promise<DeployRecord | null> {
    if (run.finishedAt === undefined) return null;
    if (run.status !== 'succeeded' && run.status !== 'failed' && run.status !== 'cancelled') return null;
    const start = await this.d.changeClock?.changeStart(run).catch(() => null);
    return {
      runId: run.id,
      pipeline: run.pipeline,
      service: run.service,
      team: run.teamChannel,
      env: run.env,
      ref: run.ref,
      status: run.status,
      triggeredAt: run.createdAt,
      finishedAt: run.finishedAt,
      ...(run.rollbackOf ? { rollbackOf: run.rollbackOf } : {}),
      ...(run.fixIncident ? { fixIncident: run.fixIncident } : {}),
      ...(start && start.at <= run.finishedAt ? { changeStartedAt: start.at } : {}),
      leadBasis: start && start.at <= run.finishedAt ? start.basis : 'trigger',
    };
  }
}
