import { PermanentJobError, UpstreamError } from '../../core/errors.js';
import type { CiRun, GitHubActionsClient, GitHubListedRun } from '../../domain/pipelines/ports.js';
import { ensureOk, expectOk, json, pathSegment, request } from './http.js';

interface GhRun {
  id: number;
  status: string;
  conclusion: string | null;
  html_url?: string;
  /** `.github/workflows/deploy.yml`, sometimes with the ref: `.github/workflows/deploy.yml@refs/heads/main`. */
  path?: string;
  workflow_id?: number;
  created_at: string;
  head_branch?: string;
  display_title?: string;
  name?: string;
}

const SOURCE = 'GitHub';

/** The workflow file name of a run's `path`, without the directory or an `@ref` suffix. */
export function workflowFileOf(path: string | undefined): string {
  return (path ?? '').replace(/@.*$/, '').split('/').pop() ?? '';
}

/** GitHub Actions REST API: workflow_dispatch (asking for the run's id), then poll that run. */
export class GitHubActionsHttpClient implements GitHubActionsClient {
  constructor(private readonly o: { baseUrl: string; token: string }) {}

  private url(path: string): string {
    return `${this.o.baseUrl.replace(/\/$/, '')}${path}`;
  }

  /** `/repos/{owner}/{repo}` with each part encoded as one segment. */
  private repoPath(repo: string): string {
    const parts = repo.split('/');
    if (parts.length !== 2) throw new PermanentJobError('with.repo must be owner/name');
    return `/repos/${pathSegment(parts[0]!, 'the repo owner')}/${pathSegment(parts[1]!, 'the repo name')}`;
  }

  private headers(): Record<string, string> {
    return {
      authorization: `Bearer ${this.o.token}`,
      accept: 'application/vnd.github+json',
      'x-github-api-version': '2022-11-28',
      'user-agent': 'switchyard',
    };
  }

  async dispatch(
    repo: string,
    workflow: string,
    ref: string,
    inputs: Record<string, string>,
    o: { fallback: boolean },
  ): Promise<{ runId?: string; url?: string }> {
    const url = this.url(`${this.repoPath(repo)}/actions/workflows/${pathSegment(workflow, 'with.workflow')}/dispatches`);
    // The body is built as an object: a ref or input value is JSON data, whatever quotes it holds.
    // No abort signal: once sent, the answer (the run id) is what lets a cancel stop the run.
    const send = (details: boolean) =>
      request(SOURCE, url, {
        method: 'POST',
        headers: { ...this.headers(), 'content-type': 'application/json' },
        body: JSON.stringify({ ref, inputs, ...(details ? { return_run_details: true } : {}) }),
      });
    let res = await send(true);
    if ((res.status === 400 || res.status === 422) && res.text.includes('return_run_details')) {
      // A GitHub Enterprise Server older than the run-details API refuses the field: nothing ran.
      if (!o.fallback) {
        throw new UpstreamError(
          SOURCE,
          'this GitHub does not return the run id of a dispatch (it refused return_run_details):' +
            ' set with.correlation_input so Switchyard can recognise its own run',
          { retryable: false },
        );
      }
      res = await send(false);
    }
    ensureOk(SOURCE, url, 'POST', res);
    if (res.status !== 200 || !res.text) return {};
    const body = json<{ workflow_run_id?: number; html_url?: string }>(SOURCE, res);
    return body.workflow_run_id ? { runId: String(body.workflow_run_id), ...(body.html_url ? { url: body.html_url } : {}) } : {};
  }

  async findRuns(repo: string, workflow: string, ref: string, sinceMs: number, signal: AbortSignal): Promise<GitHubListedRun[]> {
    const q = new URLSearchParams({
      event: 'workflow_dispatch',
      branch: ref,
      per_page: '100',
      created: `>=${new Date(sinceMs).toISOString().slice(0, 19)}Z`,
    });
    const res = await expectOk(SOURCE, this.url(`${this.repoPath(repo)}/actions/runs?${q}`), { headers: this.headers(), signal });
    const body = json<{ workflow_runs?: GhRun[] }>(SOURCE, res);
    return (body.workflow_runs ?? [])
      .filter((r) => (/^\d+$/.test(workflow) ? String(r.workflow_id) === workflow : workflowFileOf(r.path) === workflow))
      .filter((r) => Date.parse(r.created_at) >= sinceMs)
      .sort((a, b) => Date.parse(b.created_at) - Date.parse(a.created_at))
      .map((r) => ({ ...toCiRun(r), title: r.display_title ?? r.name ?? '' }));
  }

  async getRun(repo: string, runId: string, signal: AbortSignal): Promise<CiRun> {
    return toCiRun(
      json<GhRun>(
        SOURCE,
        await expectOk(SOURCE, this.url(`${this.repoPath(repo)}/actions/runs/${pathSegment(runId, 'the run id')}`), {
          headers: this.headers(),
          signal,
        }),
      ),
    );
  }

  async cancelRun(repo: string, runId: string): Promise<void> {
    await expectOk(SOURCE, this.url(`${this.repoPath(repo)}/actions/runs/${pathSegment(runId, 'the run id')}/cancel`), {
      method: 'POST',
      headers: this.headers(),
    });
  }
}

function toCiRun(r: GhRun): CiRun {
  const state: CiRun['state'] =
    r.status !== 'completed'
      ? r.status === 'in_progress'
        ? 'running'
        : 'pending'
      : r.conclusion === 'success'
        ? 'succeeded'
        : r.conclusion === 'cancelled'
          ? 'cancelled'
          : 'failed';
  return {
    id: String(r.id),
    state,
    detail: r.status === 'completed' ? `completed/${r.conclusion ?? 'unknown'}` : r.status,
    ...(r.html_url ? { url: r.html_url } : {}),
  };
}
