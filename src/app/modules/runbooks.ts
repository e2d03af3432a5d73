import { resolve } from 'node:path';
import { subscribe } from '../../core/events.js';
import type { AppContext, Module, ModuleFactory } from '../../core/module.js';
import { EVENTS } from '../../domain/contracts.js';
import { servicesOf, stageKinds } from '../../domain/services.js';
import { RunbookCatalog } from '../../domain/runbooks/catalog.js';
import { RunbookEvidence } from '../../domain/runbooks/evidence.js';
import { STEP_JOB, stepJobProcessor } from '../../domain/runbooks/jobs.js';
import { validateRunbookFiles } from '../../domain/runbooks/load.js';
import { matchingRunbooks, offerRunbooks } from '../../domain/runbooks/offers.js';
import { PipelineSteps } from '../../domain/runbooks/pipeline-steps.js';
import { NO_HISTORY, type RunbookHistory } from '../../domain/runbooks/ports.js';
import { RunbookRunRepo } from '../../domain/runbooks/repo.js';
import { RunbookService } from '../../domain/runbooks/service.js';
import { runbookActions } from '../../../commands/runbooks/actions.js';
import { runbookCommand } from '../../../commands/runbooks/commands.js';
import { runbookPresenter } from '../../../commands/runbooks/render.js';
import { runbookViews } from '../../../commands/runbooks/views.js';
import { runbookHome } from '../../../commands/runbooks/home.js';
import { runsWaitingOn } from '../../domain/runbooks/waiting.js';
import { GitRunbookHistory } from '../../adapters/git/runbook-history.js';

export interface RunbooksOptions {
  /** Folder of runbook files; `<configDir>/../runbooks` (./runbooks with the default CONFIG_DIR) when left out. */
  dir?: string;
  /** Git evidence (commit, last change); none when left out. */
  history?: RunbookHistory;
}

/** The runbooks folder a context implies when no option names one. */
export function defaultRunbooksDir(configDir: string): string {
  return resolve(configDir, '..', 'runbooks');
}

/**
 * Runbooks as code: runbooks/*.yml validated at start-up (automated steps against every
 * registered stage kind, roles against config/access.yml, pipelines against the pipelines
 * capability), `/runbook`, the Done/Skip/Run buttons and forms, the job that runs automated steps,
 * and two subscriptions: a pipeline a step started has finished; an incident was declared (its
 * matching runbooks are offered in its channel).
 */
export function createRunbooksModule(ctx: AppContext, o: RunbooksOptions = {}): Module {
  const dir = o.dir ?? defaultRunbooksDir(ctx.configDir);
  const services = servicesOf(ctx);
  const repo = new RunbookRunRepo(ctx.store);
  const evidence = new RunbookEvidence({ audit: ctx.audit, services, log: ctx.log });
  const catalog = new RunbookCatalog(o.history ?? NO_HISTORY);
  const svc = new RunbookService({ ctx, repo, presenter: runbookPresenter, catalog, evidence, dir });
  const pipelineSteps = new PipelineSteps(ctx, repo, svc);
  svc.usePipelineSteps(pipelineSteps);
  services.provide('runbooks', {
    matching: (inc) => matchingRunbooks(catalog.all(), inc).map((d) => ({ name: d.name, title: d.title })),
  });
  const kinds = () => new Map(stageKinds(services).map((k) => [k.kind, k]));

  return {
    name: 'runbooks',
    commands: [runbookCommand(svc)],
    actions: runbookActions(svc, ctx.chat),
    views: runbookViews(svc),
    jobs: [stepJobProcessor({ store: ctx.store, services, repo, svc, kinds, rememberSecrets: (v) => ctx.secrets.remember(v) })],
    enqueues: [STEP_JOB.name],
    home: [runbookHome((userId) => runsWaitingOn({ repo, access: ctx.access }, userId))],
    subscriptions: [
      subscribe(EVENTS.runFinished, 'runbooks.pipeline-step', (e) => pipelineSteps.finished(e.data.runId, e.data.status)),
      subscribe(EVENTS.incidentDeclared, 'runbooks.offer', (e) =>
        offerRunbooks({ services, chat: ctx.chat, presenter: runbookPresenter, runbooks: () => catalog.all() }, e.data),
      ),
    ],
    async init() {
      // Pipeline names are known once the pipelines module's init ran (it comes first in MODULES);
      // built before it, the names are checked by workflows:check and when a step starts.
      const pipelines = services.maybe('pipelines')?.pipelineNames() ?? [];
      catalog.set(
        validateRunbookFiles(dir, stageKinds(services), {
          roles: ctx.access.roleNames(),
          ...(pipelines.length ? { pipelines } : {}),
        }),
      );
      ctx.log.info({ dir, runbooks: catalog.all().length }, 'runbooks loaded');
    },
  };
}

/** Production: the runbooks folder beside config/, with git evidence. */
export const runbooksModule: ModuleFactory = (ctx) => createRunbooksModule(ctx, { history: new GitRunbookHistory() });
