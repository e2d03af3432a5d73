import { CiFake } from './ci-server.js';

/**
 * GitHub Actions REST API, as much as a pipeline stage uses: workflow_dispatch (204, no run id),
 * listing workflow_dispatch runs, reading and cancelling a run. A dispatched run appears shortly
 * after the dispatch (as on GitHub), goes queued -> in_progress -> completed; its conclusion is
 * the `outcome` input (default success), and `outcome: hold` keeps it in progress until
 * `complete()` or a cancel.
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
}

export class GitHubFake extends CiFake {
  readonly runs = new Map<number, GhFakeRun>();
  private nextId = 9_000_100;

  /** How long after a dispatch the run shows up in listings (GitHub takes a moment). */
  appearAfterMs: number;

  constructor(private readonly o: { token: string; appearAfterMs?: number; runMs?: number }) {
    super();
    this.appearAfterMs = o.appearAfterMs ?? 60;
    this.on('POST', /^\/repos\/([^/]+\/[^/]+)\/actions\/workflows\/([^/]+)\/dispatches$/, (req, m) => {
      if (!this.authorized(req.headers.authorization)) return { status: 401, json: { message: 'Bad credentials' } };
      const body = JSON.parse(req.body || '{}') as { ref?: string; inputs?: Record<string, string> };
      if (!body.ref) return { status: 422, json: { message: 'Invalid request. "ref" wasn\'t supplied.' } };
      const id = this.nextId++;
      const repo = m[1]!;
      const run: GhFakeRun = {
        id, repo, path: `.github/workflows/${decodeURIComponent(m[2]!)}`, head_branch: body.ref, event: 'workflow_dispatch', status: 'queued', conclusion: null,
        created_at: new Date().toISOString(), html_url: `https://github.example/${repo}/actions/runs/${id}`, inputs: body.inputs ?? {}, startedMs: Date.now(),
      };
      setTimeout(() => this.runs.set(id, run), this.appearAfterMs);
      return { status: 204 };
    });
    this.on('GET', /^\/repos\/([^/]+\/[^/]+)\/actions\/runs$/, (req, m) => {
      if (!this.authorized(req.headers.authorization)) return { status: 401, json: { message: 'Bad credentials' } };
      const since = req.query.get('created')?.replace(/^>=/, '');
      const runs = [...this.runs.values()]
        .filter((r) => r.repo === m[1] && (!req.query.get('event') || r.event === req.query.get('event')) && (!req.query.get('branch') || r.head_branch === req.query.get('branch')))
        .filter((r) => !since || r.created_at.slice(0, 19) >= since.slice(0, 19))
        .sort((a, b) => b.id - a.id)
        .map((r) => this.view(r));
      return { status: 200, json: { total_count: runs.length, workflow_runs: runs } };
    });
    this.on('GET', /^\/repos\/([^/]+\/[^/]+)\/actions\/runs\/(\d+)$/, (req, m) => {
      if (!this.authorized(req.headers.authorization)) return { status: 401, json: { message: 'Bad credentials' } };
      const run = this.runs.get(Number(m[2]));
      return run && run.repo === m[1] ? { status: 200, json: this.view(run) } : { status: 404, json: { message: 'Not Found' } };
    });
    this.on('POST', /^\/repos\/([^/]+\/[^/]+)\/actions\/runs\/(\d+)\/cancel$/, (req, m) => {
      if (!this.authorized(req.headers.authorization)) return { status: 401, json: { message: 'Bad credentials' } };
      const run = this.runs.get(Number(m[2]));
      if (!run) return { status: 404, json: { message: 'Not Found' } };
      if (run.status === 'completed') return { status: 409, json: { message: 'Cannot cancel a workflow run that is completed.' } };
      Object.assign(run, { status: 'completed', conclusion: 'cancelled' });
      return { status: 202, json: {} };
    });
  }

  private authorized(header: string | string[] | undefined): boolean {
    return header === `Bearer ${this.o.token}`;
  }

  /** Ends a held run. */
  complete(id: number, conclusion: string): void {
    Object.assign(this.runs.get(id)!, { status: 'completed', conclusion });
  }

  private view(r: GhFakeRun): Record<string, unknown> {
    const outcome = r.inputs.outcome ?? 'success';
    if (r.status !== 'completed') {
      const age = Date.now() - r.startedMs;
      if (outcome === 'hold') r.status = 'in_progress';
      else if (age > (this.o.runMs ?? 250)) Object.assign(r, { status: 'completed', conclusion: outcome });
      else if (age > 80) r.status = 'in_progress';
    }
    return { id: r.id, name: r.path.split('/').pop(), path: r.path, head_branch: r.head_branch, event: r.event, status: r.status, conclusion: r.conclusion, created_at: r.created_at, html_url: r.html_url, workflow_id: 161335 };
  }
}
