import type { CiRun, GitLabClient } from '../../domain/pipelines/ports.js';
import { expectOk, json } from './http.js';

interface GlPipeline {
  id: number;
  status: string;
  web_url?: string;
}

const SOURCE = 'GitLab';
const RUNNING = new Set(['running']);
const PENDING = new Set(['created', 'waiting_for_resource', 'preparing', 'pending', 'scheduled', 'manual']);

/** GitLab pipeline trigger API (trigger token) and pipelines API (access token) to poll and cancel. */
export class GitLabHttpClient implements GitLabClient {
  constructor(private readonly o: { baseUrl: string; triggerToken: string; token?: string }) {}

  private url(project: string, path: string): string {
    return `${this.o.baseUrl.replace(/\/$/, '')}/api/v4/projects/${encodeURIComponent(project)}${path}`;
  }

  private auth(): Record<string, string> {
    return this.o.token ? { 'private-token': this.o.token } : {};
  }

  async trigger(project: string, ref: string, variables: Record<string, string>, signal: AbortSignal): Promise<CiRun> {
    const form = new URLSearchParams({ token: this.o.triggerToken, ref });
    for (const [k, v] of Object.entries(variables)) form.append(`variables[${k}]`, v);
    const res = await expectOk(SOURCE, this.url(project, '/trigger/pipeline'), { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form.toString(), signal });
    return toCiRun(json<GlPipeline>(SOURCE, res));
  }

  async getPipeline(project: string, pipelineId: string, signal: AbortSignal): Promise<CiRun> {
    return toCiRun(json<GlPipeline>(SOURCE, await expectOk(SOURCE, this.url(project, `/pipelines/${pipelineId}`), { headers: this.auth(), signal })));
  }

  async cancelPipeline(project: string, pipelineId: string): Promise<void> {
    await expectOk(SOURCE, this.url(project, `/pipelines/${pipelineId}/cancel`), { method: 'POST', headers: this.auth() });
  }
}

function toCiRun(p: GlPipeline): CiRun {
  const state: CiRun['state'] = RUNNING.has(p.status) ? 'running' : PENDING.has(p.status) ? 'pending' : p.status === 'success' ? 'succeeded' : p.status === 'canceled' || p.status === 'canceling' ? 'cancelled' : 'failed';
  return { id: String(p.id), state, detail: p.status, ...(p.web_url ? { url: p.web_url } : {}) };
}
