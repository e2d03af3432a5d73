import { CiFake, type Answer, type RecordedRequest } from './ci-server.js';

/**
 * GitHub's deployments REST API as Switchyard uses it: create a deployment
 * (`POST /repos/{owner}/{repo}/deployments`, 201 with the deployment) and its statuses
 * (`POST .../deployments/{id}/statuses`, 201 with the status). Like GitHub: `ref` is required
 * (422), only known states are taken (422), an unknown deployment is 404, a bad token 401, and a
 * `success` status with `auto_inactive` (default true) adds an `inactive` status to the earlier
 * deployments of the same repository and environment whose latest state was success, except
 * transient and production environments (GitHub's docs for auto_inactive).
 */
export interface FakeDeployment {
  id: number;
  repo: string;
  ref: string;
  environment: string;
  description: string | null;
  payload: Record<string, unknown>;
  production_environment: boolean;
  transient_environment: boolean;
  statuses: Array<{ id: number; state: string; description: string; log_url: string; environment_url: string; auto: boolean }>;
}

const STATES = new Set(['error', 'failure', 'inactive', 'in_progress', 'queued', 'pending', 'success']);

export class GitHubDeploymentsFake extends CiFake {
  readonly deployments: FakeDeployment[] = [];
  private nextId = 4_100_000;
  private nextStatusId = 8_200_000;

  constructor(private readonly token: string) {
    super();
    this.on('POST', /^\/repos\/([^/]+\/[^/]+)\/deployments$/, (req, m) => this.authorized(req) ?? this.create(req, m[1]!));
    this.on('POST', /^\/repos\/([^/]+\/[^/]+)\/deployments\/(\d+)\/statuses$/, (req, m) => {
      const refused = this.authorized(req);
      if (refused) return refused;
      const d = this.deployments.find((x) => x.id === Number(m[2]) && x.repo === m[1]);
      if (!d) return { status: 404, json: { message: 'Not Found' } };
      const body = JSON.parse(req.body || '{}') as Record<string, unknown>;
      const state = String(body.state ?? '');
      if (!STATES.has(state)) return { status: 422, json: { message: 'Validation Failed', errors: [{ field: 'state', code: 'invalid' }] } };
      const status = this.addStatus(d, state, body, false);
      if (state === 'success' && body.auto_inactive !== false) this.autoInactivate(d);
      return { status: 201, json: { ...status, url: `${this.url}/repos/${d.repo}/deployments/${d.id}/statuses/${status.id}` } };
    });
  }

  /** The deployment a Switchyard run created (payload.run). */
  ofRun(runId: string): FakeDeployment | undefined {
    return this.deployments.find((d) => d.payload.run === runId);
  }

  states(d: FakeDeployment): string[] {
    return d.statuses.map((s) => s.state);
  }

  private authorized(req: RecordedRequest): Answer | undefined {
    return req.headers.authorization === `Bearer ${this.token}`
      ? undefined
      : { status: 401, json: { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest' } };
  }

  private create(req: RecordedRequest, repo: string): Answer {
    const body = JSON.parse(req.body || '{}') as Record<string, unknown>;
    if (typeof body.ref !== 'string' || !body.ref) return { status: 422, json: { message: 'Invalid request.\n\n"ref" wasn\'t supplied.' } };
    const environment = typeof body.environment === 'string' ? body.environment : 'production';
    const d: FakeDeployment = {
      id: this.nextId++,
      repo,
      ref: body.ref,
      environment,
      description: typeof body.description === 'string' ? body.description : null,
      payload: (body.payload as Record<string, unknown>) ?? {},
      production_environment: typeof body.production_environment === 'boolean' ? body.production_environment : environment === 'production',
      transient_environment: body.transient_environment === true,
      statuses: [],
    };
    this.deployments.push(d);
    return {
      status: 201,
      json: {
        url: `${this.url}/repos/${repo}/deployments/${d.id}`,
        id: d.id,
        sha: 'a84d88e7554fc1fa21bcbc4efae3c782a70d2b9d',
        ref: d.ref,
        task: 'deploy',
        payload: d.payload,
        original_environment: environment,
        environment,
        description: d.description,
        created_at: new Date().toISOString(),
        statuses_url: `${this.url}/repos/${repo}/deployments/${d.id}/statuses`,
        transient_environment: d.transient_environment,
        production_environment: d.production_environment,
      },
    };
  }

  private addStatus(d: FakeDeployment, state: string, body: Record<string, unknown>, auto: boolean) {
    const status = {
      id: this.nextStatusId++,
      state,
      description: typeof body.description === 'string' ? body.description : '',
      log_url: typeof body.log_url === 'string' ? body.log_url : '',
      environment_url: typeof body.environment_url === 'string' ? body.environment_url : '',
      auto,
    };
    d.statuses.push(status);
    return status;
  }

  private autoInactivate(current: FakeDeployment): void {
    for (const d of this.deployments) {
      if (d === current || d.repo !== current.repo || d.environment !== current.environment) continue;
      if (d.transient_environment || d.production_environment || d.statuses.at(-1)?.state !== 'success') continue;
      this.addStatus(d, 'inactive', {}, true);
    }
  }
}
