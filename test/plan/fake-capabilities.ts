import type { ModuleFactory } from '../../src/core/module.js';
import type { IncidentQueries, IncidentSummary, PipelineService, RunInfo } from '../../src/domain/contracts.js';
import { servicesOf } from '../../src/domain/services.js';

/**
 * Stand-ins for the pipelines and incidents capabilities, speaking only their contracts: the plan
 * looks runs and incidents up through the service registry, so these are what it meets in a
 * deployment. State lives outside the factory so it survives `h.restart()`.
 */
export class FakeWorld {
  readonly runs = new Map<string, RunInfo>();
  readonly incidents = new Map<string, IncidentSummary>();
  readonly notes: Array<{ runId: string; text: string }> = [];

  addRun(id: string, o: Partial<RunInfo> = {}): RunInfo {
    const run: RunInfo = {
      id,
      pipeline: 'checkout-deploy',
      service: 'checkout',
      teamChannel: 'C0CHECKOUT',
      env: 'production',
      ref: 'main',
      params: {},
      triggeredBy: 'U0BOB',
      channel: 'C0DEPLOYS',
      status: 'running',
      createdAt: Date.now(),
      messageKey: `run-${id}`,
      stages: [],
      ...o,
    };
    this.runs.set(id, run);
    return run;
  }

  addIncident(id: string, o: Partial<IncidentSummary> = {}): IncidentSummary {
    const inc: IncidentSummary = {
      id,
      title: `Incident ${id}`,
      severity: 'SEV2',
      status: 'investigating',
      services: ['checkout'],
      declaredAt: Date.now(),
      ...o,
    };
    this.incidents.set(id, inc);
    return inc;
  }

  module(): ModuleFactory {
    return (ctx) => {
      const pipelines: Pick<PipelineService, 'getRun' | 'recentRuns' | 'noteOnRun'> = {
        getRun: async (id) => this.runs.get(id) ?? null,
        recentRuns: async ({ limit = 10 }) => [...this.runs.values()].reverse().slice(0, limit),
        noteOnRun: async (runId, text) => {
          this.notes.push({ runId, text });
        },
      };
      const incidents: IncidentQueries = {
        openIncidents: async () => [...this.incidents.values()].filter((i) => i.status !== 'resolved'),
        get: async (id) => this.incidents.get(id) ?? null,
        declaredSince: async (since) => [...this.incidents.values()].filter((i) => i.declaredAt >= since),
        addTimelineEntry: async () => {},
      };
      servicesOf(ctx).provide('pipelines', pipelines as PipelineService);
      servicesOf(ctx).provide('incidents', incidents);
      return { name: 'fake-capabilities' };
    };
  }
}

/** Polls an async condition (Redis-backed state written by a worker) until it holds. */
export async function eventually<T>(fn: () => Promise<T | undefined | null | false>, timeoutMs = 8000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
