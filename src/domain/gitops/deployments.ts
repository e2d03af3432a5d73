import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { PermanentJobError, UpstreamError } from '../../core/errors.js';
import { subscribe, type Subscription } from '../../core/events.js';
import type { AppContext } from '../../core/module.js';
import { defineJob, enqueueJob, jobProcessor, type JobContext, type JobProcessor } from '../../core/ports/jobs.js';
import { EVENTS, type RunFinishedEvent, type RunStartedEvent, type RunStatus } from '../contracts.js';
import { servicesOf } from '../services.js';
import { targetOf, type GitHubDeploymentsConfig } from './config.js';
import type { DeploymentState, GitHubDeploymentsClient } from './ports.js';

/** One job per status update of a run's deployment; it carries the run id only. */
export const GITHUB_DEPLOYMENT_JOB = defineJob('gitops.github-deployment', z.object({ runId: z.string().min(1) }));

/** What Switchyard wants GitHub to show for a run, and how much of it GitHub already shows. */
export interface DeploymentRecord {
  runId: string;
  pipeline: string;
  repo: string;
  environment: string;
  ref: string;
  triggeredBy: string;
  environmentUrl?: string;
  deploymentId?: string;
  started?: boolean;
  final?: DeploymentState;
  postedStarted?: boolean;
  postedFinal?: boolean;
  /** The deployment this one replaced was marked inactive (or there was none). */
  superseded?: boolean;
}

export interface DeploymentOptions {
  attempts: number;
  backoffMs: number;
}

/** The environment name GitHub takes as production when a deployment does not say. */
const PRODUCTION = 'production';
const RECORD_TTL_MS = 30 * 86_400_000;
const FINAL: Record<Exclude<RunStatus, 'queued' | 'running' | 'waiting'>, DeploymentState> = {
  succeeded: 'success',
  failed: 'failure',
  // A cancelled run never became what the environment runs.
  cancelled: 'inactive',
};

/** A link to the run's Slack message that works without knowing the workspace's domain. */
export function runMessageLink(channel: string, ts: string): string {
  return `https://slack.com/archives/${channel}/p${ts.replace('.', '')}`;
}

/**
 * GitHub deployments that follow pipeline runs: a run of a listed pipeline creates a deployment
 * when it starts (in_progress) and sets success, failure or inactive when it ends; a success marks
 * the production deployment it replaced inactive (GitHub's auto_inactive does so for the others).
 * Each update is a job of its own, retried with backoff: GitHub being down delays what GitHub
 * shows and never touches the run.
 */
export class GitHubDeployments {
  constructor(
    private readonly ctx: Pick<AppContext, 'store' | 'jobs' | 'chat' | 'services' | 'log'>,
    private readonly github: GitHubDeploymentsClient | undefined,
    private readonly config: () => GitHubDeploymentsConfig,
    private readonly o: DeploymentOptions,
  ) {}

  subscriptions(): Subscription[] {
    return [
      subscribe(EVENTS.runStarted, 'gitops.deployment-started', (e) => this.want(e.data, { started: true })),
      subscribe(EVENTS.runFinished, 'gitops.deployment-finished', (e) => this.finished(e.data)),
    ];
  }

  processor(): JobProcessor {
    return jobProcessor(GITHUB_DEPLOYMENT_JOB, {
      attempts: this.o.attempts,
      backoffMs: this.o.backoffMs,
      concurrency: 2,
      process: (data, jc) => this.sync(data.runId, jc),
    });
  }

  private recordKey(runId: string): string {
    return this.ctx.store.key('gitops', 'gh-deployment', runId);
  }

  private liveKey(repo: string, env: string): string {
    return this.ctx.store.key('gitops', 'gh-live', repo.replace('/', '_'), env);
  }

  private async finished(e: RunFinishedEvent): Promise<void> {
    const state = FINAL[e.status as keyof typeof FINAL];
    if (!state) return;
    // A queued run a guard refused never deployed anything: GitHub hears nothing of it.
    const run = await servicesOf(this.ctx).maybe('pipelines')?.getRun(e.runId);
    if (!run?.startedAt) return;
    await this.want(e, { final: state });
  }

  private async want(e: RunStartedEvent, change: Pick<DeploymentRecord, 'started' | 'final'>): Promise<void> {
    const target = targetOf(this.config(), e.pipeline, e.env);
    if (!target || !this.github) return;
    const url = target.environment_urls[e.env];
    await this.ctx.store.update<DeploymentRecord>(
      this.recordKey(e.runId),
      (cur) => ({
        ...(cur ?? {
          runId: e.runId,
          pipeline: e.pipeline,
          repo: target.repo,
          environment: e.env,
          ref: e.ref,
          triggeredBy: e.triggeredBy,
          ...(url ? { environmentUrl: url } : {}),
        }),
        ...change,
      }),
      { ttlMs: RECORD_TTL_MS },
    );
    const step = change.final ? 'final' : 'started';
    await enqueueJob(this.ctx.jobs, GITHUB_DEPLOYMENT_JOB, { runId: e.runId }, { id: `ghdeploy-${e.runId}-${step}` });
  }

  /** Brings GitHub up to the record, one step at a time, each step saved before the next. */
  private async sync(runId: string, jc: JobContext): Promise<string> {
    const github = this.github;
    if (!github) return 'not configured';
    const lock = this.ctx.store.key('gitops', 'gh-deployment-lock', runId);
    const owner = randomUUID();
    // Another job of the same run is posting: go after it, so statuses keep their order.
    if (!(await this.ctx.store.claim(lock, 60_000, owner))) await jc.defer(300);
    try {
      let rec = await this.ctx.store.getJson<DeploymentRecord>(this.recordKey(runId));
      if (!rec) return 'no record';
      const logUrl = await this.runLink(runId);
      const save = (patch: Partial<DeploymentRecord>) =>
        this.ctx.store.update<DeploymentRecord>(this.recordKey(runId), (cur) => (cur ? { ...cur, ...patch } : cur), {
          ttlMs: RECORD_TTL_MS,
        });
      if (!rec.deploymentId) {
        const d = await refusalIsFinal(() =>
          github.create(rec!.repo, {
            ref: rec!.ref,
            environment: rec!.environment,
            description: `Switchyard run ${runId} of ${rec!.pipeline}`.slice(0, 140),
            payload: { run: runId, pipeline: rec!.pipeline },
          }),
        );
        rec = (await save({ deploymentId: d.id })) ?? { ...rec, deploymentId: d.id };
      }
      const id = rec.deploymentId!;
      const status = (state: DeploymentState, description: string) =>
        refusalIsFinal(() =>
          github.setStatus(rec!.repo, id, {
            state,
            description: description.slice(0, 140),
            ...(logUrl ? { logUrl } : {}),
            ...(rec!.environmentUrl && state !== 'inactive' ? { environmentUrl: rec!.environmentUrl } : {}),
          }),
        );
      if (rec.final && !rec.postedFinal) {
        await status(
          rec.final,
          `run ${runId} ${rec.final === 'success' ? 'succeeded' : rec.final === 'failure' ? 'failed' : 'was cancelled'}`,
        );
        rec = (await save({ postedFinal: true })) ?? rec;
      } else if (rec.started && !rec.postedStarted && !rec.final) {
        await status('in_progress', `run ${runId} is deploying ${rec.ref}`);
        rec = (await save({ postedStarted: true })) ?? rec;
      }
      if (rec.final === 'success' && !rec.superseded) await this.supersede(github, rec, id, save);
      return rec.postedFinal ? 'final' : 'in_progress';
    } finally {
      await this.ctx.store.release(lock, owner);
    }
  }

  /** The deployment this successful one replaced becomes inactive; this one is now live. */
  private async supersede(
    github: GitHubDeploymentsClient,
    rec: DeploymentRecord,
    id: string,
    save: (patch: Partial<DeploymentRecord>) => Promise<DeploymentRecord | null>,
  ): Promise<void> {
    const key = this.liveKey(rec.repo, rec.environment);
    const previous = await this.ctx.store.getJson<{ deploymentId: string; runId: string }>(key);
    // GitHub's auto_inactive (on by default) retires earlier successful deployments of the same
    // environment, except production ones (GitHub's docs): those Switchyard retires itself.
    if (rec.environment === PRODUCTION && previous && previous.deploymentId !== id) {
      await refusalIsFinal(() =>
        github.setStatus(rec.repo, previous.deploymentId, {
          state: 'inactive',
          description: `replaced by Switchyard run ${rec.runId}`,
        }),
      );
    }
    await this.ctx.store.setJson(key, { deploymentId: id, runId: rec.runId });
    await save({ superseded: true });
  }

  /** The run's Slack message, once the outbox has delivered it. */
  private async runLink(runId: string): Promise<string | undefined> {
    const run = await servicesOf(this.ctx).maybe('pipelines')?.getRun(runId);
    const ref = run ? await this.ctx.chat.messageRef(run.messageKey) : null;
    return ref ? runMessageLink(ref.channel, ref.ts) : undefined;
  }
}

/** GitHub refused (bad token, unknown repo or ref): retrying cannot help, so the job ends now. */
async function refusalIsFinal<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof UpstreamError && !err.retryable) throw new PermanentJobError(err.message, { cause: err });
    throw err;
  }
}
