import type { Actor } from '../../core/access.js';
import type { AppContext } from '../../core/module.js';
import type { RunbookCatalog } from './catalog.js';
import type { RunbookEvidence } from './evidence.js';
import type { RunbookRun, StepState } from './model.js';
import type { RunbookPresenter } from './presenter.js';
import type { RunbookRunRepo } from './repo.js';
import type { StepDef } from './schema.js';

/** What the runbooks capability uses of the app, and what its service is built from. */
export type RunbookCtx = Pick<
  AppContext,
  'store' | 'jobs' | 'chat' | 'access' | 'audit' | 'clock' | 'log' | 'services' | 'secrets' | 'home'
>;

export interface RunbookDeps {
  ctx: RunbookCtx;
  repo: RunbookRunRepo;
  presenter: RunbookPresenter;
  catalog: RunbookCatalog;
  evidence: RunbookEvidence;
  /** The runbooks folder (its git commit is recorded on each run). */
  dir: string;
}

/** Starts a `pipeline:` step and settles it when that run ends (pipeline-steps.ts). */
export interface PipelineStarter {
  start(run: RunbookRun, def: StepDef, state: StepState, actor: Actor, pressed: boolean): Promise<void>;
}

/** A press on the current step, named by the button that carried it. */
export interface StepRef {
  run: string;
  step: string;
}
