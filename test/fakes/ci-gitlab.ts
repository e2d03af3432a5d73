import { CiFake } from './ci-server.js';

/**
 * GitLab pipeline trigger API (form fields token, ref, variables[KEY]) answering 201 with the
 * pipeline, and the pipelines API (PRIVATE-TOKEN) to read and cancel it. A pipeline goes
 * created -> pending -> running -> success, or `failed` when variables[FAIL] is "1".
 * `scriptNext([...])` makes the next pipeline report the given statuses instead, one per read,
 * staying on the last (any status GitLab documents: manual, scheduled, skipped, ...).
 */
export interface GlFakePipeline {
  id: number;
  project: string;
  ref: string;
  status: string;
  variables: Record<string, string>;
  startedMs: number;
  script?: string[];
  web_url: string;
}

export class GitLabFake extends CiFake {
  readonly pipelines = new Map<number, GlFakePipeline>();
  private nextId = 4401;
  private script: string[] | undefined;

  scriptNext(statuses: string[]): void {
    this.script = [...statuses];
  }

  constructor(private readonly o: { triggerToken: string; token: string }) {
    super();
    this.on('POST', /^\/api\/v4\/projects\/([^/]+)\/trigger\/pipeline$/, (req, m) => {
      const form = new URLSearchParams(req.body);
      if (form.get('token') !== this.o.triggerToken) return { status: 404, json: { message: '404 Not Found' } };
      if (!form.get('ref')) return { status: 400, json: { error: 'ref is missing' } };
      const variables: Record<string, string> = {};
      for (const [k, v] of form) {
        const vm = /^variables\[(.+)\]$/.exec(k);
        if (vm) variables[vm[1]!] = v;
      }
      const project = decodeURIComponent(m[1]!);
      const id = this.nextId++;
      const p: GlFakePipeline = {
        id,
        project,
        ref: form.get('ref')!,
        status: 'created',
        variables,
        startedMs: Date.now(),
        web_url: `https://gitlab.example/${project}/-/pipelines/${id}`,
        ...(this.script ? { script: this.script } : {}),
      };
      this.script = undefined;
      this.pipelines.set(id, p);
      return { status: 201, json: this.view(p) };
    });
    this.on('GET', /^\/api\/v4\/projects\/([^/]+)\/pipelines\/(\d+)$/, (req, m) => {
      if (req.headers['private-token'] !== this.o.token) return { status: 401, json: { message: '401 Unauthorized' } };
      const p = this.pipelines.get(Number(m[2]));
      return p && p.project === decodeURIComponent(m[1]!)
        ? { status: 200, json: this.view(p) }
        : { status: 404, json: { message: '404 Not found' } };
    });
    this.on('POST', /^\/api\/v4\/projects\/([^/]+)\/pipelines\/(\d+)\/cancel$/, (req, m) => {
      if (req.headers['private-token'] !== this.o.token) return { status: 401, json: { message: '401 Unauthorized' } };
      const p = this.pipelines.get(Number(m[2]));
      if (!p) return { status: 404, json: { message: '404 Not found' } };
      p.status = 'canceled';
      return { status: 200, json: this.view(p) };
    });
  }

  private view(p: GlFakePipeline): Record<string, unknown> {
    if (p.script && p.status !== 'canceled') p.status = p.script.length > 1 ? p.script.shift()! : p.script[0]!;
    else if (!['success', 'failed', 'canceled'].includes(p.status)) {
      const age = Date.now() - p.startedMs;
      p.status = age > 250 ? (p.variables.FAIL === '1' ? 'failed' : 'success') : age > 120 ? 'running' : age > 50 ? 'pending' : 'created';
    }
    return {
      id: p.id,
      iid: p.id - 4000,
      project_id: 77,
      ref: p.ref,
      sha: 'a91957a858320c0e17f3a0eca7cfacbff50ea29a',
      status: p.status,
      source: 'trigger',
      web_url: p.web_url,
    };
  }
}
