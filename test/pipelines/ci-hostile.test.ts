import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness.js';
import { CiFake } from '../fakes/ci-server.js';
import { GitHubFake } from '../fakes/ci-github.js';
import { GitLabFake } from '../fakes/ci-gitlab.js';
import { JenkinsFake } from '../fakes/ci-jenkins.js';
import { checkWorkflowFiles } from '../../src/domain/pipelines/load.js';
import { httpSettings } from '../../src/domain/pipelines/kinds/http.js';
import { companionsModule, runIdOf, runMessage, testPipelines, waitRunText } from './support.js';

/** A webhook receiver that records what arrived and answers 200. */
class Hook extends CiFake {
  constructor() {
    super();
    for (const method of ['GET', 'POST', 'PUT']) this.on(method, /.*/, () => ({ status: 200, json: { ok: true } }));
  }
}

// The values an attacker with the deployer role types into --param.
const TRAVERSAL = 'x/../../admin?y=1#';
const JSON_BREAKOUT = '"},"evil":"1';
const FORM_SMUGGLE = 'a&token=stolen';

const pipeline = (name: string, params: string[], stages: string) => `
name: ${name}
service: ${name}
team_channel: C0DEPLOYS
environments: { staging: {} }
params: { ${params.map((p) => `${p}: { default: "-" }`).join(', ')} }
stages:
${stages}`;

// Every stage kind that builds a URL, JSON or a form from params, driven over its wire with hostile
// values: each value must arrive as data in its own place, with no extra path, field, param or header.
describe('hostile run parameters reach HTTP and CI backends only as data', () => {
  let h: Harness;
  const hook = new Hook();
  const gh = new GitHubFake({ token: 'ghp_hostile' });
  const gl = new GitLabFake({ triggerToken: 'glptt-hostile', token: 'glpat-hostile' });
  const jk = new JenkinsFake({ user: 'switchyard', token: 'jk-hostile' });
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-hostile-'));

  beforeAll(async () => {
    await Promise.all([hook.listen(), gh.listen(), gl.listen(), jk.listen()]);
    const files: Record<string, string> = {
      'http.yml': pipeline(
        'hostile-http',
        ['seg', 'note'],
        `
  - id: json
    kind: http
    attempts: 1
    with:
      url: ${hook.url}/api/rollouts?static=1
      path: ["\${{ params.seg }}", start]
      query: { note: "\${{ params.note }}" }
      body: { service: web, note: "\${{ params.note }}" }
  - id: form
    kind: http
    needs: [json]
    attempts: 1
    with:
      url: ${hook.url}/api/forms
      form: { note: "\${{ params.note }}" }`,
      ),
      'header.yml': pipeline(
        'hostile-header',
        ['note'],
        `
  - id: call
    kind: http
    attempts: 1
    with:
      url: ${hook.url}/api/headers
      headers: { x-note: "\${{ params.note }}" }
      body: { ok: true }`,
      ),
      'gh.yml': pipeline(
        'hostile-gh',
        ['wf', 'note'],
        `
  - id: gha
    kind: github-actions
    attempts: 1
    with: { repo: acme/web, workflow: "\${{ params.wf }}", ref: main, inputs: { note: "\${{ params.note }}" } }`,
      ),
      'gl.yml': pipeline(
        'hostile-gl',
        ['proj', 'note'],
        `
  - id: gitlab
    kind: gitlab
    attempts: 1
    with: { project: "grp/\${{ params.proj }}", ref: main, variables: { NOTE: "\${{ params.note }}" } }`,
      ),
      'jk.yml': pipeline(
        'hostile-jk',
        ['app', 'note'],
        `
  - id: jenkins
    kind: jenkins
    attempts: 1
    with: { job: "platform/\${{ params.app }}", parameters: { NOTE: "\${{ params.note }}" } }`,
      ),
    };
    for (const [f, text] of Object.entries(files)) writeFileSync(join(dir, f), text);
    h = await startHarness({
      name: 'pipelines-ci-hostile',
      modules: [testPipelines({ workflowsDir: dir, githubUrl: gh.url }), companionsModule],
      env: {
        GITHUB_TOKEN: 'ghp_hostile',
        GITLAB_URL: gl.url,
        GITLAB_TRIGGER_TOKEN: 'glptt-hostile',
        GITLAB_TOKEN: 'glpat-hostile',
        JENKINS_URL: jk.url,
        JENKINS_USER: 'switchyard',
        JENKINS_API_TOKEN: 'jk-hostile',
      },
    });
  });
  afterAll(async () => {
    await h?.close();
    await Promise.all([hook.close(), gh.close(), gl.close(), jk.close()]);
    rmSync(dir, { recursive: true, force: true });
  });

  const run = async (cmd: string, outcome: RegExp) => {
    const id = runIdOf((await h.command('U0BOB', 'C0DEPLOYS', cmd)).text);
    return { id, msg: await waitRunText(h, 'C0DEPLOYS', id, outcome) };
  };

  it('http: a traversal is one encoded path segment, the query one value, the JSON body and the form one field each', async () => {
    await run(
      `/pipeline run hostile-http --env staging --param 'seg=${TRAVERSAL}' --param 'note=${JSON_BREAKOUT}${FORM_SMUGGLE}'`,
      /: succeeded/,
    );
    const json = hook.requests.find((r) => r.path.startsWith('/api/rollouts'))!;
    expect(json.path).toBe(`/api/rollouts/${encodeURIComponent(TRAVERSAL)}/start`);
    expect(decodeURIComponent(json.path.split('/')[3]!)).toBe(TRAVERSAL);
    expect([...json.query.keys()]).toEqual(['static', 'note']);
    expect(json.query.get('note')).toBe(JSON_BREAKOUT + FORM_SMUGGLE);
    expect(JSON.parse(json.body)).toEqual({ service: 'web', note: JSON_BREAKOUT + FORM_SMUGGLE });
    expect(json.headers['content-type']).toBe('application/json');
    const form = hook.requests.find((r) => r.path === '/api/forms')!;
    expect(form.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect([...new URLSearchParams(form.body)]).toEqual([['note', JSON_BREAKOUT + FORM_SMUGGLE]]);
    expect(hook.requests.some((r) => r.path.includes('admin') && !r.path.includes('%2F'))).toBe(false);
  });

  it('http: "." or ".." as a whole segment is refused before any request', async () => {
    const before = hook.requests.length;
    const { msg } = await run(`/pipeline run hostile-http --env staging --param seg=..`, /: failed/);
    expect(JSON.stringify(msg.blocks)).toContain('is empty, \\".\\" or \\"..\\"');
    expect(hook.requests.length).toBe(before);
  });

  it('http: a header value carrying a line break (header injection) is refused; nothing is sent', async () => {
    const before = hook.requests.length;
    const { msg } = await run(`/pipeline run hostile-header --env staging --param 'note=hi\r\nX-Evil: 1'`, /: failed/);
    expect(JSON.stringify(msg.blocks)).toContain('carries a line break');
    expect(hook.requests.length).toBe(before);
    expect(hook.requests.some((r) => 'x-evil' in r.headers)).toBe(false);
  });

  it('http: the workflow check refuses params or the ref inside the URL text or a text body, naming the encoded form', () => {
    const sub = mkdtempSync(join(dir, 'check-'));
    writeFileSync(
      join(sub, 'bad.yml'),
      pipeline(
        'bad-http',
        ['host', 'note'],
        `
  - id: a
    kind: http
    with: { url: "https://\${{ params.host }}/hook?ref=\${{ run.ref }}" }
  - id: b
    kind: http
    with: { url: "https://hooks.example/x", body: '{"text":"\${{ params.note }}"}' }
  - id: c
    kind: http
    with: { url: "\${{ inject.hook_url }}", path: ["\${{ params.note }}"], body: { text: "\${{ params.note }}" } }`,
      ),
    );
    const { errors } = checkWorkflowFiles(sub, [{ kind: 'http', settings: httpSettings }]);
    expect(errors).toHaveLength(3);
    expect(errors[0]).toMatch(/stages\.0\.with\.url: .*params\.host.* may not be part of the URL text: put it in `path: \[\.\.\]`/);
    expect(errors[1]).toMatch(/stages\.0\.with\.url: .*run\.ref/);
    expect(errors[2]).toMatch(/stages\.1\.with\.body: .*params\.note.* write the body as a map/);
  });

  it('github-actions: the workflow name is one encoded segment and an input breaking out of JSON stays a string', async () => {
    const { msg } = await run(
      `/pipeline run hostile-gh --env staging --param 'wf=${TRAVERSAL}' --param 'note=${JSON_BREAKOUT}'`,
      /: succeeded/,
    );
    const dispatch = gh.requests.find((r) => r.path.endsWith('/dispatches'))!;
    expect(dispatch.path).toBe(`/repos/acme/web/actions/workflows/${encodeURIComponent(TRAVERSAL)}/dispatches`);
    expect(JSON.parse(dispatch.body)).toEqual({ ref: 'main', inputs: { note: JSON_BREAKOUT }, return_run_details: true });
    const remote = [...gh.runs.values()].at(-1)!;
    expect(remote.path).toBe(`.github/workflows/${TRAVERSAL}`);
    expect(remote.inputs).toEqual({ note: JSON_BREAKOUT });
    expect(JSON.stringify(msg.blocks)).toContain(remote.html_url);
  });

  it('gitlab: the project is one encoded segment and a variable smuggling a form field stays one variable', async () => {
    await run(`/pipeline run hostile-gl --env staging --param 'proj=${TRAVERSAL}' --param 'note=${FORM_SMUGGLE}'`, /: succeeded/);
    const trigger = gl.requests.find((r) => r.path.endsWith('/trigger/pipeline'))!;
    expect(trigger.path).toBe(`/api/v4/projects/${encodeURIComponent(`grp/${TRAVERSAL}`)}/trigger/pipeline`);
    const form = new URLSearchParams(trigger.body);
    expect(form.getAll('token')).toEqual(['glptt-hostile']);
    expect([...form.keys()]).toEqual(['token', 'ref', 'variables[NOTE]']);
    expect(form.get('variables[NOTE]')).toBe(FORM_SMUGGLE);
    expect([...gl.pipelines.values()].at(-1)!.project).toBe(`grp/${TRAVERSAL}`);
  });

  it('jenkins: a job name level is one encoded segment, a parameter smuggling a field stays one parameter, ".." is refused', async () => {
    await run(`/pipeline run hostile-jk --env staging --param 'app=x?y=1#' --param 'note=${FORM_SMUGGLE}'`, /: succeeded/);
    const build = jk.requests.find((r) => r.path.endsWith('/buildWithParameters') && r.headers['jenkins-crumb'])!;
    expect(build.path).toBe(`/job/platform/job/${encodeURIComponent('x?y=1#')}/buildWithParameters`);
    expect([...new URLSearchParams(build.body)]).toEqual([['NOTE', FORM_SMUGGLE]]);
    expect([...jk.queue.values()].at(-1)!.job).toBe('platform/x?y=1#');

    const before = jk.requests.length;
    const { id, msg } = await run(`/pipeline run hostile-jk --env staging --param 'app=${TRAVERSAL}'`, /: failed/);
    expect(JSON.stringify(msg.blocks)).toContain('of with.job is empty');
    expect(jk.requests.length).toBe(before);
    expect(runMessage(h, 'C0DEPLOYS', id)?.text).toContain('jenkins failed');
  });
});
