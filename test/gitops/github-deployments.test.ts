import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness.js';
import { GitHubDeploymentsFake, type FakeDeployment } from '../fakes/github-deployments.js';
import { makeGitOpsModule } from '../../src/app/wire-gitops.js';
import { EVENTS } from '../../src/domain/contracts.js';
import { GITHUB_DEPLOYMENT_JOB } from '../../src/domain/gitops/deployments.js';
import { jobSettled } from '../support/jobs.js';
import { waitFor } from '../support/redis.js';
import { companionsModule, recordedEvents, runIdOf, testPipelines, waitRunText } from '../pipelines/support.js';

const TOKEN = 'ghp_deployments_token_5566';

// Runs of a pipeline listed in the deployments file become GitHub deployments whose statuses follow
// the run, against a loopback server answering as GitHub's REST API does.
describe('GitHub deployments follow pipeline runs', () => {
  let h: Harness;
  const gh = new GitHubDeploymentsFake(TOKEN);
  beforeAll(async () => {
    await gh.listen();
    h = await startHarness({
      name: 'gitops-gh-deployments',
      modules: [
        testPipelines({ workflowsDir: 'test/gitops/workflows' }),
        makeGitOpsModule({
          githubUrl: gh.url,
          pollMs: 40,
          deploymentsFile: 'test/gitops/github-deployments.yml',
          deploymentBackoffMs: 50,
        }),
        companionsModule,
      ],
      env: { GITHUB_TOKEN: TOKEN },
    });
  });
  afterAll(async () => {
    await h?.close();
    await gh.close();
  });

  const run = async (args: string) => runIdOf((await h.command('U0BOB', 'C0DEPLOYS', `/pipeline run shipit ${args}`)).text);
  /** The run's deployment once its statuses end with `last`. */
  const settled = (id: string, last: string, timeoutMs = 15_000) =>
    h.slack.waitFor(
      () => {
        const d = gh.ofRun(id);
        return d && d.statuses.filter((s) => !s.auto).at(-1)?.state === last ? d : undefined;
      },
      { timeoutMs, message: `deployment of ${id} never reached ${last}: ${JSON.stringify(gh.ofRun(id)?.statuses ?? null)}` },
    );
  const own = (d: FakeDeployment) => d.statuses.filter((s) => !s.auto).map((s) => s.state);

  it('creates a deployment when the run starts and sets in_progress then success, linking the run', async () => {
    const id = await run('--env staging --ref v1.4.0');
    await waitRunText(h, 'C0DEPLOYS', id, /: succeeded/);
    const d = await settled(id, 'success');
    const create = gh.requests.find((r) => r.path === '/repos/acme/shipit/deployments' && JSON.parse(r.body).payload?.run === id)!;
    expect(create.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(JSON.parse(create.body)).toEqual({
      ref: 'v1.4.0',
      environment: 'staging',
      description: `Switchyard run ${id} of shipit`,
      auto_merge: false,
      required_contexts: [],
      payload: { run: id, pipeline: 'shipit' },
    });
    expect(own(d)).toEqual(['in_progress', 'success']);
    expect(d.statuses.at(-1)!.log_url).toMatch(/^https:\/\/slack\.com\/archives\/C0DEPLOYS\/p\d+$/);
    expect(d.statuses.at(-1)!.environment_url).toBe(''); // staging has no address in the file
  });

  it('a failed run ends its deployment in failure', async () => {
    const id = await run('--env staging --param outcome=broken');
    await waitRunText(h, 'C0DEPLOYS', id, /: failed/);
    const d = await settled(id, 'failure');
    expect(own(d)).toEqual(['in_progress', 'failure']);
  });

  it('a new success retires the previous deployment: GitHub does in staging, Switchyard in production', async () => {
    const first = await run('--env staging --ref v1.5.0');
    const firstDone = await settled(first, 'success');
    const second = await run('--env staging --ref v1.5.1');
    await settled(second, 'success');
    // auto_inactive: GitHub itself marked the earlier staging deployment inactive, once.
    expect(firstDone.statuses.map((s) => s.state)).toEqual(['in_progress', 'success', 'inactive']);

    const p1 = await settled(await run('--env production --ref v1.5.0'), 'success');
    expect(p1.production_environment).toBe(true);
    expect(p1.statuses.at(-1)!.environment_url).toBe('https://shipit.example.com');
    const p2id = await run('--env production --ref v1.5.1');
    await settled(p2id, 'success');
    await h.slack.waitFor(() => (p1.statuses.at(-1)?.state === 'inactive' ? true : undefined), {
      message: `production deployment ${p1.id} was not retired: ${JSON.stringify(p1.statuses)}`,
    });
    expect(p1.statuses.filter((s) => s.state === 'inactive')).toHaveLength(1);
    expect(p1.statuses.at(-1)!.description).toBe(`replaced by Switchyard run ${p2id}`);
  });

  it('GitHub being down does not fail the run: the deployment is created and updated once it answers', async () => {
    const creates = () => gh.requests.filter((r) => r.method === 'POST' && r.path === '/repos/acme/shipit/deployments').length;
    const before = creates();
    for (let i = 0; i < 3; i++) gh.failNext(/^\/repos\/acme\/shipit\/deployments$/, 503);
    const id = await run('--env staging --ref v1.6.0');
    await waitRunText(h, 'C0DEPLOYS', id, /: succeeded/);
    const d = await settled(id, 'success');
    expect(creates()).toBeGreaterThanOrEqual(before + 4); // three 503s, then the one that created it
    expect(gh.deployments.filter((x) => x.payload.run === id)).toHaveLength(1);
    expect(own(d).at(-1)).toBe('success');
  });

  it('a run of a pipeline the file does not list creates no deployment', async () => {
    const id = runIdOf((await h.command('U0BOB', 'C0DEPLOYS', '/pipeline run argocd-deploy --env staging')).text);
    await waitRunText(h, 'C0DEPLOYS', id, /: failed/); // Argo CD is not configured in this harness
    // The run's end was delivered to every subscriber (gitops' among them) before this record appears.
    await waitFor(
      async () => ((await recordedEvents(h)).some((e) => e.type === EVENTS.runFinished && e.runId === id) ? true : undefined),
      10_000,
      `the end of ${id} delivered`,
    );
    expect(await jobSettled(h, GITHUB_DEPLOYMENT_JOB.name, `ghdeploy-${id}-final`)).toBe('gone');
    expect(await jobSettled(h, GITHUB_DEPLOYMENT_JOB.name, `ghdeploy-${id}-started`)).toBe('gone');
    expect(gh.ofRun(id)).toBeUndefined();
  });
});
