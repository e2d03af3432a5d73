/** GitHub's deployment states Switchyard sets (GitHub also knows `queued` and `pending`). */
export type DeploymentState = 'in_progress' | 'success' | 'failure' | 'inactive' | 'error';

/**
 * GitHub deployments as the gitops capability needs them (src/adapters/github-deployments
 * implements it over the REST API with GITHUB_TOKEN).
 */
export interface GitHubDeploymentsClient {
  /** POST /repos/{owner}/{repo}/deployments; returns the deployment id. */
  create(
    repo: string,
    d: { ref: string; environment: string; description: string; payload: { run: string; pipeline: string } },
  ): Promise<{ id: string }>;
  /** POST /repos/{owner}/{repo}/deployments/{id}/statuses. */
  setStatus(
    repo: string,
    id: string,
    s: { state: DeploymentState; description: string; logUrl?: string; environmentUrl?: string },
  ): Promise<void>;
}
