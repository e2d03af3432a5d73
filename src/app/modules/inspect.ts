import type { AppContext, Module } from '../../core/module.js';
import type { Schedule } from '../../core/ports/jobs.js';
import { servicesOf, STAGE_KINDS } from '../../domain/services.js';
import { Announcer } from '../../domain/inspect/announce.js';
import { loadInspectConfig, type InspectConfig } from '../../domain/inspect/config.js';
import { FindingStore } from '../../domain/inspect/finding-store.js';
import { GateStore } from '../../domain/inspect/gate.js';
import { InspectionHealth } from '../../domain/inspect/health.js';
import { JOB_LANDING, landingProcessor, LandingZone } from '../../domain/inspect/landing.js';
import { closeGatesOnRunEnd, GateDecisions, JOB_SETTLE, settleProcessor } from '../../domain/inspect/override.js';
import type { CommandRunner, RunLogSource } from '../../domain/inspect/ports.js';
import type { RunnerDeps } from '../../domain/inspect/runner.js';
import { inspectStageKind } from '../../domain/inspect/stage.js';
import { overrideActions } from '../../../commands/inspect/actions.js';
import { inspectCommand } from '../../../commands/inspect/commands.js';
import { inspectPresenter } from '../../../commands/inspect/render.js';
import { overrideViews } from '../../../commands/inspect/views.js';

export interface InspectModuleOptions {
  /** Runs scanner and inventory commands, reads report files (src/adapters/scanner). */
  commands: CommandRunner;
  /** A run's captured stage logs, for the secret-leak check. */
  logs: RunLogSource;
  /** Defaults to `<configDir>/inspectors.yml`; tests pass their own. */
  configFile?: string;
  config?: InspectConfig;
}

export const schedulerId = (env: string): string => `inspect-lz-${env.replace(/[^A-Za-z0-9_-]/g, '_')}`;

/**
 * Inspectors: the `inspect` stage kind (policy, scans, secret leaks) with its override gate, and
 * scheduled landing-zone inspections (drift, scans of running versions) whose findings are kept
 * by fingerprint, announced once to the owning team (one post per service and inspection) and
 * published as `findingsChanged` (planning makes one item of each such batch).
 */
export function createInspectModule(ctx: AppContext, o: InspectModuleOptions): Module {
  const config = o.config ?? loadInspectConfig(ctx.configDir, o.configFile);
  const deps: RunnerDeps = { config, commands: o.commands, logs: o.logs, now: () => ctx.clock.now() };
  const findings = new FindingStore(ctx.store);
  const gates = new GateStore(ctx.store);
  const now = () => ctx.clock.now();
  const present = inspectPresenter;
  const announcer = new Announcer(ctx, findings, now, present);
  const lz = new LandingZone(ctx, deps, findings, announcer, new InspectionHealth(ctx, now, present));
  const decisions = new GateDecisions(ctx, gates);
  servicesOf(ctx).provide('findings', { batch: (scanId) => announcer.batches.snapshot(scanId, now()) });
  servicesOf(ctx).add(STAGE_KINDS, inspectStageKind(ctx, deps, gates, present));

  const knownEnvs = (): string[] => {
    const pipelines = servicesOf(ctx).maybe('pipelines');
    const fromPipelines = pipelines ? pipelines.pipelineNames().flatMap((n) => pipelines.definition(n)?.environments ?? []) : [];
    const fromConfig = [...Object.keys(config.file.landingZone), ...Object.keys(config.file.thresholds).filter((e) => e !== 'default')];
    return [...new Set([...fromConfig, ...fromPipelines])].sort();
  };

  return {
    name: 'inspect',
    commands: [inspectCommand({ config, findings, announcer, jobs: ctx.jobs, audit: ctx.audit, now, knownEnvs })],
    actions: overrideActions(ctx, decisions),
    views: overrideViews(decisions),
    jobs: [landingProcessor(ctx, lz), settleProcessor(ctx, gates, present)],
    enqueues: [JOB_LANDING, JOB_SETTLE],
    subscriptions: [closeGatesOnRunEnd(ctx, gates, present)],
    /** One job scheduler per environment; schedulers of environments removed from the file are removed too. */
    async startWorker() {
      const registry = ctx.store.key('inspect', 'schedulers');
      const wanted = new Set<string>();
      for (const [env, s] of Object.entries(config.file.landingZone)) {
        const id = schedulerId(env);
        wanted.add(id);
        const when: Schedule = s.every ? { everyMs: s.every } : { cron: s.cron!, ...(s.tz ? { tz: s.tz } : {}) };
        await ctx.jobs.schedule(id, JOB_LANDING, { env, inspectors: s.inspectors }, when);
        await ctx.store.setAdd(registry, id);
      }
      for (const id of await ctx.store.setMembers(registry)) {
        if (wanted.has(id)) continue;
        await ctx.jobs.unschedule(id);
        await ctx.store.setRemove(registry, id);
      }
    },
  };
}
