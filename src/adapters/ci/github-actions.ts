import type { CiRun, GitHubActionsClient } from '../../domain/pipelines/ports.js';
import { expectOk, json } from './http.js';

interface GhRun {
  id: number;
  status: string;
  conclusion: string | null;
  html_url?: string;
  path?: string;
  workflow_id?: number;
  created_at: string;
  head_branch?: string;
}

const SOURCE = 'GitHub';

/** GitHub Actions REST API: workflow_dispatch, then find and poll the run it created. */
export class GitHubActionsHttpClient implements GitHubActionsClient {
  constructor(private readonly o: { baseUrl: string; token: string }) {}

  private url(path: string): string {
    return `${this.o.baseUrl.replace(/\/$/, '')}${path}`;
  }

  private headers(): Record<string, string> {
    return { authorization: `Bearer ${this.o.token}`, accept: 'application/vnd.github+json', 'x-github-api-version': '2022-11-28', 'user-agent': 'switchyard' };
  }

  async dispatch(repo: string, workflow: string, ref: string, inputs: Record<string, string>, signal: AbortSignal): Promise<void> {
    await expectOk(SOURCE, this.url(`/repos/${repo}/actions/workflows/${encodeURIComponent(workflow)}/dispatches`), {
      method: 'POST', headers: { ...this.headers(), 'content-type': 'application/json' }, body: JSON.stringify({ ref, inputs }), signal,
    });
  }

  async findRuns(repo: string, workflow: string, ref: string, sinceMs: number, signal: AbortSignal): Promise<CiRun[]> {
    const q = new URLSearchParams({ event: 'workflow_dispatch', branch: ref, per_page: '30', created: `>=${new Date(sinceMs).toISOString().slice(0, 19)}Z` });
    const res = await expectOk(SOURCE, this.url(`/repos/${repo}/actions/runs?${q}`), { headers: this.headers(), signal });
    const body = json<{ workflow_runs?: GhRun[] }>(SOURCE, res);
    return (body.workflow_runs ?? [])
      .filter((r) => (/^\d+$/.test(workflow) ? String(r.workflow_id) === workflow : (r.path ?? '').split('/').pop() === workflow))
      .filter((r) => Date.parse(r.created_at) >= sinceMs)
      .sort((a, b) => Date.parse(b.created_at) - Date.parse(a.created_at))
      .map(toCiRun);
  }

  async getRun(repo: string, runId: string, signal: AbortSignal): Promise<CiRun> {
    return toCiRun(json<GhRun>(SOURCE, await expectOk(SOURCE, this.url(`/repos/${repo}/actions/runs/${runId}`), { headers: this.headers(), signal })));
  }

  async cancelRun(repo: string, runId: string): Promise<void> {
    await expectOk(SOURCE, this.url(`/repos/${repo}/actions/runs/${runId}/cancel`), { method: 'POST', headers: this.headers() });
  }
}

function toCiRun(r: GhRun): CiRun {
  const state: CiRun['state'] =
    r.status !== 'completed' ? (r.status === 'in_progress' ? 'running' : 'pending') : r.conclusion === 'success' ? 'succeeded' : r.conclusion === 'cancelled' ? 'cancelled' : 'failed';
  return { id: String(r.id), state, detail: r.status === 'completed' ? `completed/${r.conclusion ?? 'unknown'}` : r.status, ...(r.html_url ? { url: r.html_url } : {}) };
}
