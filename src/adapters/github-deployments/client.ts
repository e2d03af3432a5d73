import { PermanentJobError } from '../../core/errors.js';
import type { DeploymentState, GitHubDeploymentsClient } from '../../domain/gitops/ports.js';
import { expectOk, json, pathSegment } from '../ci/http.js';

const SOURCE = 'GitHub deployments';

/**
 * GitHub's deployments REST API with GITHUB_TOKEN (it needs `deployments: write`). A deployment is
 * created without auto-merge and without required status checks: Switchyard records what its run
 * deploys, it does not ask GitHub whether it may.
 */
export class GitHubDeploymentsHttpClient implements GitHubDeploymentsClient {
  constructor(private readonly o: { baseUrl: string; token: string }) {}

  private repoUrl(repo: string, tail: string): string {
    const parts = repo.split('/');
    if (parts.length !== 2) throw new PermanentJobError('repo must be owner/name');
    const path = `/repos/${pathSegment(parts[0]!, 'the repo owner')}/${pathSegment(parts[1]!, 'the repo name')}`;
    return `${this.o.baseUrl.replace(/\/$/, '')}${path}${tail}`;
  }

  private headers(): Record<string, string> {
    return {
      authorization: `Bearer ${this.o.token}`,
      accept: 'application/vnd.github+json',
      'content-type': 'application/json',
      'x-github-api-version': '2022-11-28',
      'user-agent': 'switchyard',
    };
  }

  async create(
    repo: string,
    d: { ref: string; environment: string; description: string; payload: { run: string; pipeline: string } },
  ): Promise<{ id: string }> {
    const res = await expectOk(SOURCE, this.repoUrl(repo, '/deployments'), {
      method: 'POST',
      headers: this.headers(),
      body: JSON.stringify({
        ref: d.ref,
        environment: d.environment,
        description: d.description,
        auto_merge: false,
        required_contexts: [],
        payload: d.payload,
      }),
      timeoutMs: 15_000,
    });
    const body = json<{ id?: number; message?: string }>(SOURCE, res);
    // 202 is GitHub merging the default branch first (auto_merge), which this request turns off.
    if (typeof body.id !== 'number') throw new PermanentJobError(`${SOURCE}: HTTP ${res.status} created no deployment`);
    return { id: String(body.id) };
  }

  async setStatus(
    repo: string,
    id: string,
    s: { state: DeploymentState; description: string; logUrl?: string; environmentUrl?: string },
  ): Promise<void> {
    await expectOk(SOURCE, this.repoUrl(repo, `/deployments/${pathSegment(id, 'the deployment id')}/statuses`), {
      method: 'POST',
      headers: this.headers(),
      body: JSON.stringify({
        state: s.state,
        description: s.description,
        ...(s.logUrl ? { log_url: s.logUrl } : {}),
        ...(s.environmentUrl ? { environment_url: s.environmentUrl } : {}),
      }),
      timeoutMs: 15_000,
    });
  }
}
