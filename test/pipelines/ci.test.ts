import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness.js';
import { GitHubFake } from '../fakes/ci-github.js';
import { GitLabFake } from '../fakes/ci-gitlab.js';
import { JenkinsFake } from '../fakes/ci-jenkins.js';
import { companionsModule, runIdOf, runMessage, testPipelines, threadTexts, waitRunText } from './support.js';

// Each CI adapter driven against a loopback server speaking that backend's API (wire-facts.md).
describe('CI stage kinds against GitHub Actions, GitLab and Jenkins', () => {
  let h: Harness;
  const gh = new GitHubFake({ token: 'ghp_testtoken1234' });
  const gl = new GitLabFake({ triggerToken: 'glptt-trigger-5678', token: 'glpat-read-9012' });
  const jk = new JenkinsFake({ user: 'switchyard', token: 'jenkins-api-token-3456' });
  beforeAll(async () => {
    await Promise.all([gh.listen(), gl.listen(), jk.listen()]);
    h = await startHarness({
      name: 'pipelines-ci',
      modules: [testPipelines({ githubUrl: gh.url }), companionsModule],
      env: {
        GITHUB_TOKEN: 'ghp_testtoken1234',
        GITLAB_URL: gl.url,
        GITLAB_TRIGGER_TOKEN: 'glptt-trigger-5678',
        GITLAB_TOKEN: 'glpat-read-9012',
        JENKINS_URL: jk.url,
        JENKINS_USER: 'switchyard',
        JENKINS_API_TOKEN: 'jenkins-api-token-3456',
      },
    });
  });
  afterAll(async () => {
    await h?.close();
    await Promise.all([gh.close(), gl.close(), jk.close()]);
  });

  /** The GitHub run the run message links to, once GitHub lists it. */
  const linkedRun = (id: string) =>
    h.slack.waitFor(
      () => {
        const blocks = JSON.stringify(runMessage(h, 'C0DEPLOYS', id)?.blocks ?? '');
        return [...gh.runs.values()].find((r) => blocks.includes(r.html_url));
      },
      { timeoutMs: 10_000 },
    );

  it('dispatches, finds and follows each backend run to success, linking each stage', async () => {
    const res = await h.command('U0BOB', 'C0DEPLOYS', '/pipeline run ci-deploy --env staging --ref release-7');
    const id = runIdOf(res.text);
    const msg = await waitRunText(h, 'C0DEPLOYS', id, /: succeeded/);
    const blocks = JSON.stringify(msg.blocks);
    const ghRun = [...gh.runs.values()].at(-1)!;
    expect(blocks).toContain(ghRun.html_url);
    const glPipe = [...gl.pipelines.values()].at(-1)!;
    expect(blocks).toContain(glPipe.web_url);
    expect(blocks).toMatch(new RegExp(`${jk.url}/job/platform/job/deploy/\\d+/`));

    // GitHub: workflow_dispatch with ref and inputs (the injected secret goes to the backend only).
    const dispatch = gh.requests.find((r) => r.path === '/repos/acme/web/actions/workflows/deploy.yml/dispatches')!;
    expect(dispatch.headers.authorization).toBe('Bearer ghp_testtoken1234');
    expect(JSON.parse(dispatch.body)).toEqual({
      ref: 'release-7',
      inputs: { outcome: 'success', api_key: 'ak-live-77889900' },
      return_run_details: true,
    });
    // GitHub named the run in its dispatch answer: Switchyard follows that run and lists none.
    expect(gh.requests.some((r) => r.path === `/repos/acme/web/actions/runs/${ghRun.id}`)).toBe(true);
    expect(gh.requests.some((r) => r.path === '/repos/acme/web/actions/runs')).toBe(false);
    // GitLab: trigger form with token, ref and variables; polled with the access token.
    const trigger = new URLSearchParams(gl.requests.find((r) => r.path === '/api/v4/projects/acme%2Fmigrations/trigger/pipeline')!.body);
    expect(Object.fromEntries(trigger)).toEqual({ token: 'glptt-trigger-5678', ref: 'release-7', 'variables[TARGET]': 'staging' });
    expect(
      gl.requests.some(
        (r) => r.path === `/api/v4/projects/acme%2Fmigrations/pipelines/${glPipe.id}` && r.headers['private-token'] === 'glpat-read-9012',
      ),
    ).toBe(true);
    // Jenkins: buildWithParameters, the queue item, then the build.
    const build = jk.requests.find((r) => r.path === '/job/platform/job/deploy/buildWithParameters')!;
    expect(new URLSearchParams(build.body).get('REF')).toBe('release-7');
    expect(jk.requests.some((r) => /^\/queue\/item\/\d+\/api\/json$/.test(r.path))).toBe(true);

    const logs = await h.command('U0BOB', 'C0DEPLOYS', `/pipeline logs ${id} gha`);
    expect(logs.text).toContain('completed/success');
    expect(logs.text).not.toContain('ak-live-77889900');
  });

  it('fails the stage with the backend conclusion and skips the rest', async () => {
    const res = await h.command('U0BOB', 'C0DEPLOYS', '/pipeline run ci-deploy --env staging --param gha_outcome=failure');
    const id = runIdOf(res.text);
    const msg = await waitRunText(h, 'C0DEPLOYS', id, /: failed/);
    expect(msg.text).toContain('gha failed');
    expect(msg.text).toContain('gitlab skipped');
    expect(JSON.stringify(msg.blocks)).toContain('completed/failure');
  });

  it('fails at once, without retries, when GitHub refuses the token', async () => {
    gh.failNext(/\/dispatches$/, 401);
    const before = gh.requests.filter((r) => r.path.endsWith('/dispatches')).length;
    const res = await h.command('U0BOB', 'C0DEPLOYS', '/pipeline run ci-deploy --env staging');
    const id = runIdOf(res.text);
    const msg = await waitRunText(h, 'C0DEPLOYS', id, /: failed/);
    expect(JSON.stringify(msg.blocks)).toContain('HTTP 401 (check the token and its permissions)');
    expect(gh.requests.filter((r) => r.path.endsWith('/dispatches')).length).toBe(before + 1);
  });

  it('cancels a run: stops polling and cancels the remote workflow run', async () => {
    const res = await h.command('U0BOB', 'C0DEPLOYS', '/pipeline run ci-deploy --env staging --param gha_outcome=hold');
    const id = runIdOf(res.text);
    const held = await linkedRun(id);
    const cancel = await h.command('U0BOB', 'C0DEPLOYS', `/pipeline cancel ${id}`);
    expect(cancel.text).toContain(`Cancelling run *${id}*`);
    const msg = await waitRunText(h, 'C0DEPLOYS', id, /: cancelled/);
    expect(msg.text).toContain('gha cancelled');
    expect(gh.requests.some((r) => r.method === 'POST' && r.path === `/repos/acme/web/actions/runs/${held.id}/cancel`)).toBe(true);
    expect(held.conclusion).toBe('cancelled');
    await h.slack.waitFor(() => threadTexts(h, 'C0DEPLOYS', id).find((t) => t.includes('cancelled the run')));
  });

  it('cancels the remote workflow even when GitHub had not listed the dispatched run yet', async () => {
    gh.appearAfterMs = 1500;
    try {
      const before = gh.requests.filter((r) => r.path.endsWith('/dispatches')).length;
      const known = new Set(gh.runs.keys());
      const id = runIdOf((await h.command('U0BOB', 'C0DEPLOYS', '/pipeline run ci-deploy --env staging --param gha_outcome=hold')).text);
      await h.slack.waitFor(() => gh.requests.filter((r) => r.path.endsWith('/dispatches')).length > before || undefined);
      const cancel = await h.command('U0BOB', 'C0DEPLOYS', `/pipeline cancel ${id}`);
      expect(cancel.text).toContain(`Cancelling run *${id}*`);
      expect([...gh.runs.keys()].filter((k) => !known.has(k))).toEqual([]); // not listed yet when cancelled
      await waitRunText(h, 'C0DEPLOYS', id, /: cancelled/);
      const late = await h.slack.waitFor(() => [...gh.runs.values()].find((r) => !known.has(r.id)), { timeoutMs: 5000 });
      await h.slack.waitFor(() => late.conclusion === 'cancelled' || undefined, {
        timeoutMs: 10_000,
        message: 'the late-listed run was not cancelled',
      });
      expect(gh.requests.some((r) => r.method === 'POST' && r.path === `/repos/acme/web/actions/runs/${late.id}/cancel`)).toBe(true);
    } finally {
      gh.appearAfterMs = 60;
    }
  });

  it('follows the same remote run after a restart instead of dispatching again', async () => {
    const res = await h.command('U0BOB', 'C0DEPLOYS', '/pipeline run ci-deploy --env staging --param gha_outcome=hold');
    const id = runIdOf(res.text);
    const held = await linkedRun(id);
    const dispatches = gh.requests.filter((r) => r.path.endsWith('/dispatches')).length;
    await h.stopBot();
    await h.startBot();
    gh.complete(held.id, 'success');
    const msg = await waitRunText(h, 'C0DEPLOYS', id, /: succeeded/, 20_000);
    expect(gh.requests.filter((r) => r.path.endsWith('/dispatches')).length).toBe(dispatches);
    expect(JSON.stringify(msg.blocks)).toContain(held.html_url);
    const thread = threadTexts(h, 'C0DEPLOYS', id).join('\n');
    expect(thread).toContain('following the same remote run');
  });
});
