import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness.js';
import { GitHubFake } from '../fakes/ci-github.js';
import { GitLabFake } from '../fakes/ci-gitlab.js';
import { JenkinsFake } from '../fakes/ci-jenkins.js';
import { companionsModule, runIdOf, runMessage, testPipelines, waitRunText } from './support.js';

const pipeline = (name: string, stage: string) => `
name: ${name}
service: ${name}
team_channel: C0DEPLOYS
environments: { staging: {} }
params: { outcome: { default: success } }
stages:
  - ${stage}
`;

const FILES: Record<string, string> = {
  'gh-own.yml': pipeline(
    'gh-own',
    'id: gha\n    kind: github-actions\n    attempts: 1\n' +
      '    with: { repo: acme/web, workflow: deploy.yml, ref: main, inputs: { outcome: "${{ params.outcome }}" } }',
  ),
  'gh-corr.yml': pipeline(
    'gh-corr',
    'id: gha\n    kind: github-actions\n    attempts: 1\n' +
      '    with: { repo: acme/web, workflow: deploy.yml, ref: main, correlation_input: switchyard_run, ' +
      'inputs: { outcome: "${{ params.outcome }}" } }',
  ),
  'gl-follow.yml': pipeline(
    'gl-follow',
    'id: gitlab\n    kind: gitlab\n    attempts: 1\n    timeout: 10m\n    with: { project: acme/app, ref: main }',
  ),
  'gl-wait.yml': pipeline(
    'gl-wait',
    'id: gitlab\n    kind: gitlab\n    attempts: 1\n    with: { project: acme/app, ref: main, on_manual: wait }',
  ),
  'jk.yml': pipeline(
    'jk-build',
    'id: jenkins\n    kind: jenkins\n    attempts: 1\n    with: { job: platform/build, parameters: { REF: main } }',
  ),
};

// Failure codes and foreign state from real CI backends, from the side of what Switchyard must not do.
describe('CI backends: GitHub run ownership, Jenkins CSRF crumbs, GitLab pipeline statuses', () => {
  let h: Harness;
  const gh = new GitHubFake({ token: 'ghp_backends' });
  const gl = new GitLabFake({ triggerToken: 'glptt-backends', token: 'glpat-backends' });
  const jk = new JenkinsFake({ user: 'switchyard', token: 'jk-backends' });
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-backends-'));

  beforeAll(async () => {
    await Promise.all([gh.listen(), gl.listen(), jk.listen()]);
    for (const [f, text] of Object.entries(FILES)) writeFileSync(join(dir, f), text);
    h = await startHarness({
      name: 'pipelines-ci-backends',
      modules: [testPipelines({ workflowsDir: dir, githubUrl: gh.url }), companionsModule],
      env: {
        GITHUB_TOKEN: 'ghp_backends',
        GITLAB_URL: gl.url,
        GITLAB_TRIGGER_TOKEN: 'glptt-backends',
        GITLAB_TOKEN: 'glpat-backends',
        JENKINS_URL: jk.url,
        JENKINS_USER: 'switchyard',
        JENKINS_API_TOKEN: 'jk-backends',
      },
    });
  });
  afterAll(async () => {
    await h?.close();
    await Promise.all([gh.close(), gl.close(), jk.close()]);
    rmSync(dir, { recursive: true, force: true });
  });

  const start = async (cmd: string) => runIdOf((await h.command('U0BOB', 'C0DEPLOYS', cmd)).text);
  const touched = (runId: number) => gh.requests.some((r) => r.path.includes(`/actions/runs/${runId}`));
  const withMode = async (mode: GitHubFake['mode'], fn: () => Promise<void>) => {
    gh.mode = mode;
    try {
      await fn();
    } finally {
      Object.assign(gh, { mode: 'details', runName: undefined, pathRefSuffix: false });
    }
  };

  describe('GitHub Actions: a foreign run of the same workflow and branch, listed first', () => {
    it('with the run id in the dispatch answer, follows only its own run and never reads or cancels the other', async () => {
      const foreign = gh.foreignRun({ repo: 'acme/web', workflow: 'deploy.yml', branch: 'main', createdMs: Date.now() - 1000 });
      const id = await start('/pipeline run gh-own --env staging');
      const msg = await waitRunText(h, 'C0DEPLOYS', id, /: succeeded/);
      const own = [...gh.runs.values()].find((r) => r.id !== foreign.id && JSON.stringify(msg.blocks).includes(r.html_url))!;
      expect(own.inputs).toEqual({ outcome: 'success' });
      expect(touched(foreign.id)).toBe(false);
      expect(foreign.status).not.toBe('completed');

      const held = await start('/pipeline run gh-own --env staging --param outcome=hold');
      await h.slack.waitFor(() => gh.requests.some((r) => r.path.endsWith('/dispatches') && r.body.includes('hold')) || undefined);
      await h.command('U0BOB', 'C0DEPLOYS', `/pipeline cancel ${held}`);
      await waitRunText(h, 'C0DEPLOYS', held, /: cancelled/);
      const cancels = gh.requests.filter((r) => r.path.endsWith('/cancel'));
      expect(cancels).toHaveLength(1);
      expect(cancels[0]!.path).not.toContain(String(foreign.id));
      expect(foreign.conclusion).toBeNull();
    });

    it('when GitHub answers 204, matches only the run titled with its correlation input (paths with an @ref suffix)', async () => {
      await withMode('no-content', async () => {
        gh.runName = 'deploy ${{ inputs.switchyard_run }}';
        gh.pathRefSuffix = true;
        const foreign = gh.foreignRun({
          repo: 'acme/web',
          workflow: 'deploy.yml',
          branch: 'main',
          inputs: { outcome: 'hold', switchyard_run: 'someone-else' },
        });
        const id = await start('/pipeline run gh-corr --env staging');
        const msg = await waitRunText(h, 'C0DEPLOYS', id, /: succeeded/);
        const body = JSON.parse(gh.requests.filter((r) => r.path.endsWith('/dispatches')).at(-1)!.body) as {
          inputs: Record<string, string>;
        };
        expect(body.inputs.switchyard_run).toMatch(new RegExp(`^sy-${id}-gha-`));
        const own = [...gh.runs.values()].find((r) => r.inputs.switchyard_run === body.inputs.switchyard_run)!;
        expect(own.display_title).toBe(`deploy ${body.inputs.switchyard_run}`);
        expect(JSON.stringify(msg.blocks)).toContain(own.html_url);
        expect(touched(foreign.id)).toBe(false);
      });
    });

    it('when GitHub answers 204 and the stage has no correlation input, refuses to guess and follows nothing', async () => {
      await withMode('no-content', async () => {
        const foreign = gh.foreignRun({ repo: 'acme/web', workflow: 'deploy.yml', branch: 'main' });
        const listed = () => gh.requests.filter((r) => r.path === '/repos/acme/web/actions/runs').length;
        const listedBefore = listed();
        const id = await start('/pipeline run gh-own --env staging');
        const msg = await waitRunText(h, 'C0DEPLOYS', id, /: failed/);
        expect(JSON.stringify(msg.blocks)).toContain('will not guess which run');
        expect(touched(foreign.id)).toBe(false);
        expect(listed()).toBe(listedBefore);
      });
    });

    const refusesDetails =
      'a GitHub that refuses return_run_details: without a correlation input nothing is dispatched; ' +
      'with one it dispatches once more without the field';
    it(refusesDetails, async () => {
      await withMode('refuses-details', async () => {
        // Runs GitHub has not listed yet (created by an earlier dispatch) count too.
        const allRuns = () => gh.runs.size + gh.unlisted.size;
        const runsBefore = allRuns();
        const dispatchesBefore = gh.requests.filter((r) => r.path.endsWith('/dispatches')).length;
        const id = await start('/pipeline run gh-own --env staging');
        const msg = await waitRunText(h, 'C0DEPLOYS', id, /: failed/);
        expect(JSON.stringify(msg.blocks)).toContain('does not return the run id');
        expect(gh.requests.filter((r) => r.path.endsWith('/dispatches')).length).toBe(dispatchesBefore + 1);
        expect(allRuns()).toBe(runsBefore);

        gh.runName = 'deploy ${{ inputs.switchyard_run }}';
        const ok = await start('/pipeline run gh-corr --env staging');
        await waitRunText(h, 'C0DEPLOYS', ok, /: succeeded/);
        const sent = gh.requests
          .filter((r) => r.path.endsWith('/dispatches'))
          .slice(-2)
          .map((r) => JSON.parse(r.body) as Record<string, unknown>);
        expect(sent.map((b) => 'return_run_details' in b)).toEqual([true, false]);
      });
    });
  });

  describe('Jenkins with CSRF protection', () => {
    it('fetches a crumb when asked, sends it with its session cookie, keeps the cookie, and asks again once sessions expire', async () => {
      const id = await start('/pipeline run jk-build --env staging');
      await waitRunText(h, 'C0DEPLOYS', id, /: succeeded/);
      const issued = jk.requests.filter((r) => r.path === '/crumbIssuer/api/json');
      expect(issued).toHaveLength(1);
      const posts = jk.requests.filter((r) => r.path.endsWith('/buildWithParameters'));
      expect(posts).toHaveLength(2); // refused for want of a crumb, then accepted with it
      expect(posts[0]!.headers['jenkins-crumb']).toBeUndefined();
      const [session, crumb] = [...jk.sessions].at(-1)!;
      expect(posts[1]!.headers['jenkins-crumb']).toBe(crumb);
      expect(String(posts[1]!.headers.cookie)).toMatch(new RegExp(`JSESSIONID\\.[0-9a-f]+=${session}`));
      const later = jk.requests.slice(jk.requests.indexOf(posts[1]!) + 1);
      expect(later.length).toBeGreaterThan(0);
      expect(later.every((r) => String(r.headers.cookie).includes(session))).toBe(true);

      jk.expireSessions();
      const again = await start('/pipeline run jk-build --env staging');
      await waitRunText(h, 'C0DEPLOYS', again, /: succeeded/);
      expect(jk.requests.filter((r) => r.path === '/crumbIssuer/api/json')).toHaveLength(2);
    });

    it('the fake binds a crumb to its session: the crumb without the cookie is refused', async () => {
      const [, crumb] = [...jk.sessions].at(-1)!;
      const res = await fetch(`${jk.url}/job/platform/job/build/buildWithParameters`, {
        method: 'POST',
        headers: { authorization: `Basic ${Buffer.from('switchyard:jk-backends').toString('base64')}`, 'jenkins-crumb': crumb },
      });
      expect(res.status).toBe(403);
      expect(await res.text()).toContain('No valid crumb');
    });
  });

  describe('GitLab: every documented pipeline status', () => {
    const cases: Array<{ statuses: string[]; pipeline: string; outcome: RegExp; summary: string }> = [
      {
        statuses: ['created', 'waiting_for_resource', 'preparing', 'pending', 'running', 'success'],
        pipeline: 'gl-follow',
        outcome: /: succeeded/,
        summary: 'success',
      },
      {
        statuses: ['created', 'scheduled', 'scheduled', 'running', 'success'],
        pipeline: 'gl-follow',
        outcome: /: succeeded/,
        summary: 'success',
      },
      {
        statuses: ['created', 'pending', 'skipped'],
        pipeline: 'gl-follow',
        outcome: /: succeeded/,
        summary: 'skipped (no job had to run)',
      },
      { statuses: ['created', 'running', 'failed'], pipeline: 'gl-follow', outcome: /: failed/, summary: 'failed' },
      { statuses: ['created', 'running', 'canceled'], pipeline: 'gl-follow', outcome: /: failed/, summary: 'canceled' },
      {
        statuses: ['created', 'pending', 'manual'],
        pipeline: 'gl-follow',
        outcome: /: failed/,
        summary: 'waiting for a manual job in GitLab',
      },
      {
        statuses: ['created', 'manual', 'manual', 'manual', 'running', 'success'],
        pipeline: 'gl-wait',
        outcome: /: succeeded/,
        summary: 'success',
      },
    ];
    it.each(cases)('$statuses with $pipeline ends with "$summary"', async ({ statuses, pipeline: name, outcome, summary }) => {
      gl.scriptNext(statuses);
      const id = await start(`/pipeline run ${name} --env staging`);
      const msg = await waitRunText(h, 'C0DEPLOYS', id, outcome);
      expect(JSON.stringify(msg.blocks)).toContain(summary);
      const logs = (await h.command('U0BOB', 'C0DEPLOYS', `/pipeline logs ${id} gitlab`)).text;
      for (const s of new Set(statuses.slice(1))) expect(logs).toContain(`: ${s}`);
      if (name === 'gl-wait') expect(logs).toContain('waiting for someone to start a manual job');
      expect(runMessage(h, 'C0DEPLOYS', id)?.text).not.toContain('timed out');
    });
  });
});
