import { z } from 'zod';
import type { StageContext, StageKind } from '../../contracts.js';
import { ConfigError } from '../../../core/errors.js';
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
    repo: z.string().regex(/^[\w.-]+\/[\w.-]+$/, 'owner/name'),
    /** Workflow file name (deploy.yml) or id. */
    workflow: z.string().min(1),
    /** Git ref to run on; the run's ref when left out. */
    ref: z.string().optional(),
    inputs: stringRecord,
  })
  .strict();

export const gitlabSettings = z.object({ project: scalar, ref: z.string().optional(), variables: stringRecord }).strict();
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

/** Claims a GitHub run id so two stages dispatching the same workflow at once never follow the same run. */
async function claimRemote(store: Store, repo: string, id: string, owner: string): Promise<boolean> {
  const key = store.key('pipelines', 'gha-run', repo.replace('/', '_'), id);
  if (await store.setJson(key, owner, { onlyIfAbsent: true, ttlMs: 7 * 86_400_000 })) return true;
  return (await store.getJson<string>(key)) === owner;
}

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
        await trying(() => client.dispatch(s.repo, s.workflow, ref, stringMap(s.inputs), ctx.signal));
        ck = { dispatchedAt: at };
        await b.checkpoint.save(ck);
        await ctx.log(`dispatched ${s.workflow} on ${s.repo}@${ref}`);
      }
      while (typeof ck.runId !== 'string') {
        // The dispatch answer carries no run id: find the new workflow_dispatch run (clock skew allowed).
        const runs = await trying(() => client.findRuns(s.repo, s.workflow, ref, (ck.dispatchedAt as number) - 10_000, ctx.signal));
        for (const r of [...runs].reverse()) {
          if (await claimRemote(store, s.repo, r.id, owner(ctx))) {
            ck = { ...ck, runId: r.id, ...(r.url ? { url: r.url } : {}) };
            await b.checkpoint.save(ck);
            if (r.url) await ctx.setLink(r.url);
            break;
          }
        }
        if (typeof ck.runId !== 'string') await sleep(ci.pollMs, ctx.signal);
      }
      const runId = ck.runId;
      return followRun(b, ci.pollMs, () => client.getRun(s.repo, runId, ctx.signal), 'workflow run');
    },
    async cancel(ctx) {
      if (!gh) return;
      const s = githubSettings.parse(ctx.settings);
      const ck = builtin(ctx).checkpoint.get() ?? {};
      let runId = ck.runId;
      // Dispatched, but GitHub had not listed the run yet: keep looking for a few seconds (within
      // the executor's 10 s cancel budget) so the workflow does not run on after a cancel.
      const deadline = Date.now() + 8000;
      while (typeof runId !== 'string' && typeof ck.dispatchedAt === 'number' && Date.now() < deadline) {
        const runs = await gh.findRuns(s.repo, s.workflow, s.ref ?? ctx.run.ref, ck.dispatchedAt - 10_000, AbortSignal.timeout(3000));
        for (const r of [...runs].reverse()) {
          if (await claimRemote(store, s.repo, r.id, owner(ctx))) {
            runId = r.id;
            break;
          }
        }
        if (typeof runId !== 'string') await new Promise((r) => setTimeout(r, Math.min(ci.pollMs, 1000)));
      }
      if (typeof runId === 'string') await gh.cancelRun(s.repo, runId);
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
      return followRun(b, ci.pollMs, () => client.getPipeline(s.project, id, ctx.signal), 'pipeline');
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
