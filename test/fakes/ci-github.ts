import { CiFake } from './ci-server.js';

/**
 * GitHub Actions REST API, as much as a pipeline stage uses: workflow_dispatch, listing
 * workflow_dispatch runs, reading and cancelling a run. A dispatch answers as `mode` says:
 * `details` (GitHub since 2026-02: with `return_run_details: true`, 200 and
 * `{workflow_run_id, run_url, html_url}`; without it 204), `no-content` (always 204, as before), or
 * `refuses-details` (an older Enterprise Server: 422 when the body carries return_run_details).
 * A dispatched run exists at once but shows up in listings only `appearAfterMs` later (as on
 * GitHub); it goes queued -> in_progress -> completed; its conclusion is the `outcome` input
 * (default success), and `outcome: hold` keeps it in progress until `complete()` or a cancel.
 * `display_title` is the workflow's `runName` (with `${{ inputs.x }}` filled in) or its file name;
 * `pathRefSuffix` lists paths as `.github/workflows/x.yml@refs/heads/<branch>`.
 * `foreignRun()` plays someone else dispatching the same workflow on the same branch.
 */
export interface GhFakeRun {
  id: number;
  repo: string;
  path: string;
  head_branch: string;
  event: string;
  status: 'queued' | 'in_progress' | 'completed';
  conclusion: string | null;
  created_at: string;
  html_url: string;
  inputs: Record<string, string>;
  startedMs: number;
  display_title: string;
}

export class GitHubFake extends CiFake {
  readonly runs = new Map<number, GhFakeRun>();
  /** Dispatched runs GitHub knows by id but does not list yet. */
  readonly unlisted = new Map<number, GhFakeRun>();
  private nextId = 9_000_100;

  /** How long after a dispatch the run shows up in listings (GitHub takes a moment). */
  appearAfterMs: number;
  mode: 'details' | 'no-content' | 'refuses-details' = 'details';
  pathRefSuffix = false;
  /** The workflow's `run-name:`, e.g. `deploy ${{ inputs.switchyard_run }}`. */
  runName: string | undefined;

  constructor(private readonly o: { token: string; appearAfterMs?: number; runMs?: number }) {
    super();
    this.appearAfterMs = o.appearAfterMs ?? 60;
    this.on('POST', /^\/repos\/([^/]+\/[^/]+)\/actions\/workflows\/([^/]+)\/dispatches$/, (req, m) => {
      if (!this.authorized(req.headers.authorization)) return { status: 401, json: { message: 'Bad credentials' } };
      const body = JSON.parse(req.body || '{}') as { ref?: string; inputs?: Record<string, string>; return_run_details?: boolean };
      if (this.mode === 'refuses-details' && 'return_run_details' in body) {
        return {
          status: 422,
          json: {
            message: 'Invalid request.\n\n"return_run_details" is not a permitted key.',
            documentation_url: 'https://docs.github.com/enterprise-server@3.14/rest/actions/workflows#create-a-workflow-dispatch-event',
          },
        };
      }
      if (!body.ref) return { status: 422, json: { message: 'Invalid request. "ref" wasn\'t supplied.' } };
      const run = this.create(m[1]!, decodeURIComponent(m[2]!), body.ref, body.inputs ?? {});
      this.unlisted.set(run.id, run);
      setTimeout(() => {
        this.unlisted.delete(run.id);
        this.runs.set(run.id, run);
      }, this.appearAfterMs);
      if (this.mode !== 'details' || body.return_run_details !== true) return { status: 204 };
      return {
        status: 200,
        json: { workflow_run_id: run.id, run_url: `${this.url}/repos/${run.repo}/actions/runs/${run.id}`, html_url: run.html_url },
      };
    });
    this.on('GET', /^\/repos\/([^/]+\/[^/]+)\/actions\/runs$/, (req, m) => {
      if (!this.authorized(req.headers.authorization)) return { status: 401, json: { message: 'Bad credentials' } };
      const since = req.query.get('created')?.replace(/^>=/, '');
      const runs = [...this.runs.values()]
        .filter(
          (r) =>
            r.repo === m[1] &&
            (!req.query.get('event') || r.event === req.query.get('event')) &&
            (!req.query.get('branch') || r.head_branch === req.query.get('branch')),
        )
        .filter((r) => !since || r.created_at.slice(0, 19) >= since.slice(0, 19))
        .sort((a, b) => b.id - a.id)
        .map((r) => this.view(r));
      return { status: 200, json: { total_count: runs.length, workflow_runs: runs } };
    });
    this.on('GET', /^\/repos\/([^/]+\/[^/]+)\/actions\/runs\/(\d+)$/, (req, m) => {
      if (!this.authorized(req.headers.authorization)) return { status: 401, json: { message: 'Bad credentials' } };
      const run = this.find(Number(m[2]));
      return run && run.repo === m[1] ? { status: 200, json: this.view(run) } : { status: 404, json: { message: 'Not Found' } };
    });
    this.on('POST', /^\/repos\/([^/]+\/[^/]+)\/actions\/runs\/(\d+)\/cancel$/, (req, m) => {
      if (!this.authorized(req.headers.authorization)) return { status: 401, json: { message: 'Bad credentials' } };
      const run = this.find(Number(m[2]));
      if (!run || run.repo !== m[1]) return { status: 404, json: { message: 'Not Found' } };
      if (run.status === 'completed') return { status: 409, json: { message: 'Cannot cancel a workflow run that is completed.' } };
      Object.assign(run, { status: 'completed', conclusion: 'cancelled' });
      return { status: 202, json: {} };
    });
  }

  private authorized(header: string | string[] | undefined): boolean {
    return header === `Bearer ${this.o.token}`;
  }

  private find(id: number): GhFakeRun | undefined {
    return this.runs.get(id) ?? this.unlisted.get(id);
  }

  private create(repo: string, workflow: string, branch: string, inputs: Record<string, string>, createdMs = Date.now()): GhFakeRun {
    const id = this.nextId++;
    const title = this.runName
      ? this.runName.replace(/\$\{\{\s*inputs\.([\w-]+)\s*\}\}/g, (_x, k: string) => inputs[k] ?? '')
      : workflow.replace(/\.ya?ml$/, '');
    return {
      id,
      repo,
      path: `.github/workflows/${workflow}`,
      head_branch: branch,
      event: 'workflow_dispatch',
      status: 'queued',
      conclusion: null,
      display_title: title,
      created_at: new Date(createdMs).toISOString(),
      html_url: `https://github.example/${repo}/actions/runs/${id}`,
      inputs,
      startedMs: Date.now(),
    };
  }

  /** Someone else dispatches the same workflow (listed at once, held in progress unless told otherwise). */
  foreignRun(o: { repo: string; workflow: string; branch: string; inputs?: Record<string, string>; createdMs?: number }): GhFakeRun {
    const run = this.create(o.repo, o.workflow, o.branch, o.inputs ?? { outcome: 'hold' }, o.createdMs);
    this.runs.set(run.id, run);
    return run;
  }

  /** Ends a held run. */
  complete(id: number, conclusion: string): void {
    Object.assign(this.find(id)!, { status: 'completed', conclusion });
  }

  private view(r: GhFakeRun): Record<string, unknown> {
    const outcome = r.inputs.outcome ?? 'success';
    if (r.status !== 'completed') {
      const age = Date.now() - r.startedMs;
      if (outcome === 'hold') r.status = 'in_progress';
      else if (age > (this.o.runMs ?? 250)) Object.assign(r, { status: 'completed', conclusion: outcome });
      else if (age > 80) r.status = 'in_progress';
    }
    return {
      id: r.id,
      name: r.path.split('/').pop(),
      display_title: r.display_title,
      path: this.pathRefSuffix ? `${r.path}@refs/heads/${r.head_branch}` : r.path,
      head_branch: r.head_branch,
      event: r.event,
      status: r.status,
      conclusion: r.conclusion,
      created_at: r.created_at,
      html_url: r.html_url,
      workflow_id: 161335,
    };
  }
}
