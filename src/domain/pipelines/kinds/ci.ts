import { z } from 'zod';
import type { StageContext, StageKind } from '../../contracts.js';
import { ConfigError, PermanentJobError } from '../../../core/errors.js';
import type { JsonValue } from '../../../core/ports/jobs.js';
import type { Store } from '../../../core/ports/store.js';
import type { CiAdapters, GitHubActionsClient, GitLabClient, JenkinsClient } from '../ports.js';
import { builtin, followRun, permanentIfRefused, sleep, stringMap } from './common.js';

/**
 * The CI backends: trigger, remember what was triggered in the stage checkpoint (so a retry or a
 * restarted worker follows the same remote run instead of starting another), poll until done.
 * Cancel stops polling (the signal) and asks the backend to cancel the remote run.
 */
const scalar = z.union([z.string(), z.number(), z.boolean()]).transform(String);
const stringRecord = z.record(z.string(), scalar).default({});

export const githubSettings = z
  .object({
    repo: z
      .string()
      .regex(/^[\w.-]+\/[\w.-]+$/, 'owner/name')
      .refine((r) => r.split('/').every((p) => p !== '.' && p !== '..'), 'owner/name, neither "." nor ".."'),
    /** Workflow file name (deploy.yml) or id. */
    workflow: z.string().min(1),
    /** Git ref to run on; the run's ref when left out. */
    ref: z.string().optional(),
    inputs: stringRecord,
    /**
     * A workflow_dispatch input that receives a token unique to this stage run, for a GitHub that
     * does not return the run id of a dispatch: the workflow shows it in its `run-name`, and
     * Switchyard follows only the run whose title carries it.
     */
    correlation_input: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_-]*$/, 'an input name')
      .optional(),
  })
  .strict();

export const gitlabSettings = z
  .object({
    project: scalar,
    ref: z.string().optional(),
    variables: stringRecord,
    /** A pipeline stopped at a manual job: fail the stage at once (default), or wait for someone to start the job in GitLab. */
    on_manual: z.enum(['fail', 'wait']).default('fail'),
  })
  .strict();
export const jenkinsSettings = z.object({ job: z.string().min(1), parameters: stringRecord }).strict();

function need<T>(client: T | undefined, what: string): T {
  if (!client) throw permanentIfRefused(new ConfigError(`${what} is not configured in this deployment`));
  return client;
}

async function trying<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw permanentIfRefused(err);
  }
}

/** Claims a GitHub run id so two stages can never follow the same run. */
async function claimRemote(store: Store, repo: string, id: string, owner: string): Promise<boolean> {
  const key = store.key('pipelines', 'gha-run', repo.replace('/', '_'), id);
  if (await store.setJson(key, owner, { onlyIfAbsent: true, ttlMs: 7 * 86_400_000 })) return true;
  return (await store.getJson<string>(key)) === owner;
}

type GhSettings = z.infer<typeof githubSettings>;

/**
 * Only when GitHub gave no run id: the run whose title carries this stage's correlation token.
 * Any other run of the same workflow and branch (someone else's dispatch) is never taken.
 */
async function findOwnRun(
  gh: GitHubActionsClient,
  store: Store,
  s: GhSettings,
  ref: string,
  ck: Checkpoint,
  owner: string,
  signal: AbortSignal,
) {
  const token = ck.token as string;
  const runs = await gh.findRuns(s.repo, s.workflow, ref, (ck.dispatchedAt as number) - 10_000, signal);
  for (const r of runs) {
    if (r.title.includes(token) && (await claimRemote(store, s.repo, r.id, owner))) return r;
  }
  return undefined;
}

type Checkpoint = { [key: string]: JsonValue };

export function githubActionsKind(gh: GitHubActionsClient | undefined, ci: Pick<CiAdapters, 'pollMs'>, store: Store): StageKind {
  const owner = (ctx: StageContext) => `${ctx.run.id}-${ctx.stage.id}`;
  return {
    kind: 'github-actions',
    settings: githubSettings,
    attempts: 3,
    backoffMs: 2000,
    async run(ctx) {
      const b = builtin(ctx);
      const client = need(gh, 'GitHub Actions (GITHUB_TOKEN)');
      const s = githubSettings.parse(ctx.settings);
      const ref = s.ref ?? ctx.run.ref;
      let ck = b.checkpoint.get() ?? {};
      if (typeof ck.dispatchedAt !== 'number') {
        const at = Date.now();
        const token = s.correlation_input ? `sy-${ctx.run.id}-${ctx.stage.id}-${at.toString(36)}` : undefined;
        const inputs = { ...stringMap(s.inputs), ...(token ? { [s.correlation_input!]: token } : {}) };
        // Marked before sending, so a cancel arriving meanwhile waits for the run id.
        await b.checkpoint.save({ dispatching: at });
        const d = await trying(() => client.dispatch(s.repo, s.workflow, ref, inputs, { fallback: token !== undefined }));
        ck = { dispatchedAt: at, ...(token ? { token } : {}), ...(d.runId ? { runId: d.runId } : {}), ...(d.url ? { url: d.url } : {}) };
        await b.checkpoint.save(ck);
        const followed = d.runId
          ? ` as workflow run ${d.runId}`
          : token
            ? `; GitHub gave no run id: looking for the run titled with ${token}`
            : '';
        await ctx.log(`dispatched ${s.workflow} on ${s.repo}@${ref}${followed}`);
        if (d.url) await ctx.setLink(d.url);
      }
      while (typeof ck.runId !== 'string') {
        if (typeof ck.token !== 'string') {
          throw new PermanentJobError(
            `GitHub answered the dispatch of ${s.workflow} without the run id and the stage sets no correlation_input: ` +
              `Switchyard will not guess which run on ${ref} is its own (it may be someone else's). ` +
              `The workflow was dispatched but is not followed.`,
          );
        }
        const r = await trying(() => findOwnRun(client, store, s, ref, ck, owner(ctx), ctx.signal));
        if (r) {
          ck = { ...ck, runId: r.id, ...(r.url ? { url: r.url } : {}) };
          await b.checkpoint.save(ck);
          if (r.url) await ctx.setLink(r.url);
        } else await sleep(ci.pollMs, ctx.signal);
      }
      const runId = ck.runId;
      return followRun(b, ci.pollMs, () => client.getRun(s.repo, runId, ctx.signal), 'workflow run');
    },
    async cancel(ctx) {
      if (!gh) return;
      const s = githubSettings.parse(ctx.settings);
      const b = builtin(ctx);
      // A dispatch in flight or a run GitHub has not listed yet: keep looking for a few seconds
      // (within the executor's 10 s cancel budget) so the workflow does not run on after a cancel.
      const deadline = Date.now() + 8000;
      for (;;) {
        const ck = b.checkpoint.get() ?? {};
        let runId = ck.runId;
        if (typeof runId !== 'string' && typeof ck.token === 'string' && typeof ck.dispatchedAt === 'number') {
          runId = (await findOwnRun(gh, store, s, s.ref ?? ctx.run.ref, ck, owner(ctx), AbortSignal.timeout(3000)))?.id;
        }
        if (typeof runId === 'string') return gh.cancelRun(s.repo, runId);
        const waiting = typeof ck.dispatching === 'number' || typeof ck.token === 'string';
        if (!waiting || Date.now() >= deadline) return;
        await new Promise((r) => setTimeout(r, Math.min(ci.pollMs, 1000)));
      }
    },
  };
}

export function gitlabKind(gl: GitLabClient | undefined, ci: Pick<CiAdapters, 'pollMs'>): StageKind {
  return {
    kind: 'gitlab',
    settings: gitlabSettings,
    attempts: 3,
    backoffMs: 2000,
    async run(ctx) {
      const b = builtin(ctx);
      const client = need(gl, 'GitLab (GITLAB_URL, GITLAB_TRIGGER_TOKEN, GITLAB_TOKEN)');
      const s = gitlabSettings.parse(ctx.settings);
      let ck = b.checkpoint.get() ?? {};
      if (typeof ck.pipelineId !== 'string') {
        const p = await trying(() => client.trigger(s.project, s.ref ?? ctx.run.ref, stringMap(s.variables), ctx.signal));
        ck = { pipelineId: p.id, ...(p.url ? { url: p.url } : {}) };
        await b.checkpoint.save(ck);
        await ctx.log(`triggered pipeline ${p.id} on project ${s.project}`);
        if (p.url) await ctx.setLink(p.url);
      }
      const id = ck.pipelineId as string;
      return followRun(
        b,
        ci.pollMs,
        async () => {
          const p = await client.getPipeline(s.project, id, ctx.signal);
          // Stopped at a manual job, the pipeline waits for a person, not for time: say so at once
          // instead of sitting until the stage times out (or wait, when the stage asks to).
          if (p.state !== 'blocked') return p;
          return s.on_manual === 'fail'
            ? { ...p, state: 'failed', detail: 'manual: waiting for a manual job in GitLab (start it there, or set on_manual: wait)' }
            : { ...p, detail: 'manual: waiting for someone to start a manual job in GitLab' };
        },
        'pipeline',
      );
    },
    async cancel(ctx) {
      const id = builtin(ctx).checkpoint.get()?.pipelineId;
      if (gl && typeof id === 'string') await gl.cancelPipeline(gitlabSettings.parse(ctx.settings).project, id);
    },
  };
}

export function jenkinsKind(jk: JenkinsClient | undefined, ci: Pick<CiAdapters, 'pollMs'>): StageKind {
  return {
    kind: 'jenkins',
    settings: jenkinsSettings,
    attempts: 3,
    backoffMs: 2000,
    async run(ctx) {
      const b = builtin(ctx);
      const client = need(jk, 'Jenkins (JENKINS_URL, JENKINS_USER, JENKINS_API_TOKEN)');
      const s = jenkinsSettings.parse(ctx.settings);
      let ck = b.checkpoint.get() ?? {};
      if (typeof ck.queueUrl !== 'string') {
        const queueUrl = await trying(() => client.buildWithParameters(s.job, stringMap(s.parameters), ctx.signal));
        ck = { queueUrl };
        await b.checkpoint.save(ck);
        await ctx.log(`queued ${s.job}: ${queueUrl}`);
      }
      let lastWhy = '';
      while (typeof ck.buildUrl !== 'string') {
        const item = await trying(() => client.queueItem(ck.queueUrl as string, ctx.signal));
        if (item.cancelled) return { status: 'failed', summary: `Jenkins queue item for ${s.job} was cancelled` };
        if (item.buildUrl) {
          ck = { ...ck, buildUrl: item.buildUrl };
          await b.checkpoint.save(ck);
          await ctx.setLink(item.buildUrl);
        } else {
          if (item.why && item.why !== lastWhy) await ctx.log(`waiting in the Jenkins queue: ${(lastWhy = item.why)}`);
          await sleep(ci.pollMs, ctx.signal);
        }
      }
      const buildUrl = ck.buildUrl;
      return followRun(b, ci.pollMs, () => client.getBuild(buildUrl, ctx.signal), 'build');
    },
    async cancel(ctx) {
      const ck = builtin(ctx).checkpoint.get();
      if (!jk) return;
      if (typeof ck?.buildUrl === 'string') await jk.stopBuild(ck.buildUrl);
      else if (typeof ck?.queueUrl === 'string') await jk.cancelQueueItem(ck.queueUrl);
    },
  };
}
