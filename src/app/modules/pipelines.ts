import { pipelineCancelButton, pipelineRollbackButton } from '../../../commands/pipelines/actions.js';
import { pipelineCommand } from '../../../commands/pipelines/commands.js';
import { manualLocksHome } from '../../../commands/pipelines/home.js';
import { runPresenter } from '../../../commands/pipelines/render.js';
import { ConfigError } from '../../core/errors.js';
import type { AppContext, Module } from '../../core/module.js';
import type { StageKind } from '../../domain/contracts.js';
import { DEPLOY_GUARDS, servicesOf, stageKinds, STAGE_KINDS } from '../../domain/services.js';
import { serviceEnvs } from '../../domain/pipelines/env-rules.js';
import { ManualLocks, manualLockGuard } from '../../domain/pipelines/manual-lock.js';
import { Announcer } from '../../domain/pipelines/announce.js';
import { StageExecutor } from '../../domain/pipelines/executor.js';
import { httpKind } from '../../domain/pipelines/kinds/http.js';
import { githubActionsKind, gitlabKind, jenkinsKind } from '../../domain/pipelines/kinds/ci.js';
import { shellKind } from '../../domain/pipelines/kinds/shell.js';
import { terraformKind } from '../../domain/pipelines/kinds/terraform.js';
import { TerraformLocks } from '../../domain/pipelines/kinds/terraform-lock.js';
import type { TerraformTool } from '../../domain/pipelines/kinds/terraform-tool.js';
import { cloudformationKind } from '../../domain/pipelines/kinds/cloudformation.js';
import type { CloudFormationApi } from '../../domain/pipelines/kinds/cloudformation-api.js';
import { subscribe } from '../../core/events.js';
import { EVENTS } from '../../domain/contracts.js';
import { validateWorkflowFiles } from '../../domain/pipelines/load.js';
import { RunGuards } from '../../domain/pipelines/guards.js';
import { DeployLock } from '../../domain/pipelines/lock.js';
import { Orchestrator, STAGE_JOB } from '../../domain/pipelines/orchestrator.js';
import type { CiAdapters, StageProcesses } from '../../domain/pipelines/ports.js';
import { RunRepo } from '../../domain/pipelines/repo.js';
import { Retention, RETENTION_CRON, RETENTION_JOB, RETENTION_SCHEDULER, type RetentionPolicy } from '../../domain/pipelines/retention.js';
import { jobProcessor } from '../../core/ports/jobs.js';
import { PipelineEngine } from '../../domain/pipelines/service.js';
import { Watchdog, WATCHDOG_JOB } from '../../domain/pipelines/watchdog.js';

export interface PipelinesOptions {
  adapters: CiAdapters;
  /** Folder of pipeline files; ctx.workflowsDir (WORKFLOWS_DIR) when left out. */
  workflowsDir?: string;
  /** Stage lease (ms): how soon a dead worker's stage is taken over. */
  leaseMs?: number;
  /** How often the watchdog looks after unfinished runs (ms). */
  watchdogMs?: number;
  /** A queued stage whose job has not run after this long is enqueued again (ms). */
  requeueAfterMs?: number;
  /** Stages one worker process runs at once. */
  maxInflight?: number;
  /** Commands stages started, recorded while they run: the lock waits for them (see StageProcesses). */
  processes?: StageProcesses;
  /** How long a stopping worker lets running stages finish (SHUTDOWN_GRACE_MS in production); 0 when left out. */
  shutdownGraceMs?: number;
  /** RUN_RETENTION_DAYS and AUDIT_RETENTION_DAYS (400 each when left out), trimmed daily. */
  retention?: RetentionPolicy;
  /** Infrastructure-as-code backends: the terraform binary, CloudFormation (left out: those stages fail saying so). */
  iac?: { terraform?: TerraformTool; cloudformation?: CloudFormationApi };
}

/**
 * Pipelines as code: workflows/*.yml validated at start-up against every registered stage kind,
 * `/pipeline`, the PipelineService other capabilities use, and the jobs that run stages.
 */
export function createPipelinesModule(ctx: AppContext, o: PipelinesOptions): Module {
  const services = servicesOf(ctx);
  const tfLocks = new TerraformLocks(ctx.store);
  const builtins: StageKind[] = [
    shellKind(o.adapters.shell),
    httpKind(o.adapters.webhook),
    githubActionsKind(o.adapters.github, o.adapters, ctx.store),
    gitlabKind(o.adapters.gitlab, o.adapters),
    jenkinsKind(o.adapters.jenkins, o.adapters),
    terraformKind(o.iac?.terraform, tfLocks),
    cloudformationKind(o.iac?.cloudformation, o.adapters),
  ];
  for (const k of builtins) services.add(STAGE_KINDS, k);
  let kindMap = new Map<string, StageKind>();
  const kinds = () => (kindMap.size ? kindMap : new Map(stageKinds(services).map((k) => [k.kind, k])));

  const leaseMs = o.leaseMs ?? 15_000;
  const policy = o.retention ?? { runRetentionDays: 400, auditRetentionDays: 400 };
  const repo = new RunRepo(ctx.store, policy.runRetentionDays * 86_400_000);
  const retention = new Retention(ctx, repo, policy);
  const lock = new DeployLock(ctx.store);
  const announce = new Announcer(ctx, runPresenter);
  const guards = new RunGuards(ctx);
  const orch = new Orchestrator(ctx, repo, lock, announce, o.processes, guards);
  const executor = new StageExecutor(ctx, repo, orch, announce, kinds, { leaseMs, maxInflight: o.maxInflight ?? 50 }, guards);
  const engine = new PipelineEngine(ctx, repo, lock, orch, executor, announce, kinds);
  const watchdog = new Watchdog(ctx, repo, lock, orch, announce, { requeueAfterMs: o.requeueAfterMs ?? 60_000, leaseMs }, o.processes);
  services.provide('pipelines', engine);
  // Manual locks (/pipeline lock) refuse runs as a deploy guard, so they are asked again as a run goes on.
  const manualLocks = new ManualLocks(ctx.store, () => serviceEnvs(engine.pipelineNames().map((n) => engine.def(n))));
  services.add(DEPLOY_GUARDS, manualLockGuard(manualLocks));

  return {
    name: 'pipelines',
    commands: [
      pipelineCommand(engine, {
        now: () => ctx.clock.now(),
        locks: manualLocks,
        home: ctx.home,
        tell: (channel, key, text) => ctx.chat.post({ channel, key, ...runPresenter.note(text) }),
      }),
    ],
    actions: [pipelineCancelButton(engine), pipelineRollbackButton(engine)],
    home: [manualLocksHome(manualLocks)],
    jobs: [
      executor.processor(),
      { name: WATCHDOG_JOB, attempts: 1, concurrency: 1, process: async () => ({ touched: await watchdog.sweep() }) },
      jobProcessor(RETENTION_JOB, { attempts: 3, concurrency: 1, process: async () => retention.trim() }),
    ],
    enqueues: [STAGE_JOB, WATCHDOG_JOB, RETENTION_JOB.name],
    // A terraform plan's lock lives until it is applied or its run ends (rejected, cancelled, failed).
    subscriptions: [subscribe(EVENTS.runFinished, 'pipelines.terraform-unlock', (e) => tfLocks.releaseRun(e.data.runId))],
    async init() {
      const all = stageKinds(services);
      const dup = all.find((k, i) => all.findIndex((x) => x.kind === k.kind) !== i);
      if (dup) throw new ConfigError(`stage kind ${dup.kind} is registered twice`);
      kindMap = new Map(all.map((k) => [k.kind, k]));
      engine.setDefinitions(validateWorkflowFiles(o.workflowsDir ?? ctx.workflowsDir, all));
    },
    async startWorker() {
      await ctx.jobs.schedule('pipeline-watchdog', WATCHDOG_JOB, {}, { everyMs: o.watchdogMs ?? 5000 });
      // Every worker upserts the same scheduler id: one trim a day however many workers run.
      await ctx.jobs.schedule(RETENTION_SCHEDULER, RETENTION_JOB.name, {}, { cron: RETENTION_CRON, tz: 'UTC' });
      // Runs interrupted by this worker's last stop are taken over now, not at the first tick; the
      // sweep first kills commands a killed worker of this host left running.
      await watchdog.sweep();
    },
    async stop() {
      await executor.stop(o.shutdownGraceMs ?? 0);
    },
  };
}
