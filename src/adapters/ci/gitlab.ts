import type { CiRun, GitLabClient } from '../../domain/pipelines/ports.js';
import { expectOk, json, pathSegment } from './http.js';

interface GlPipeline {
  id: number;
  status: string;
  web_url?: string;
}

const SOURCE = 'GitLab';

/**
 * Every pipeline status GitLab documents. `scheduled` waits for a delayed job that GitLab starts on
 * its timer, so it is still going; `manual` waits for a person (blocked); `skipped` means no job
 * had to run, which is not a failure.
 */
const STATES: Record<string, { state: CiRun['state']; note?: string }> = {
  created: { state: 'pending' },
  waiting_for_resource: { state: 'pending' },
  preparing: { state: 'pending' },
  pending: { state: 'pending' },
  scheduled: { state: 'running', note: 'a delayed job starts on its timer' },
  running: { state: 'running' },
  manual: { state: 'blocked' },
  success: { state: 'succeeded' },
  skipped: { state: 'succeeded', note: 'no job had to run' },
  failed: { state: 'failed' },
  canceling: { state: 'cancelled' },
  canceled: { state: 'cancelled' },
};

/** GitLab pipeline trigger API (trigger token) and pipelines API (access token) to poll and cancel. */
export class GitLabHttpClient implements GitLabClient {
  constructor(private readonly o: { baseUrl: string; triggerToken: string; token?: string }) {}

  private url(project: string, path: string): string {
    return `${this.o.baseUrl.replace(/\/$/, '')}/api/v4/projects/${pathSegment(project, 'with.project')}${path}`;
  }

  private auth(): Record<string, string> {
    return this.o.token ? { 'private-token': this.o.token } : {};
  }

  async trigger(project: string, ref: string, variables: Record<string, string>, signal: AbortSignal): Promise<CiRun> {
    const form = new URLSearchParams({ token: this.o.triggerToken, ref });
    for (const [k, v] of Object.entries(variables)) form.append(`variables[${k}]`, v);
    const res = await expectOk(SOURCE, this.url(project, '/trigger/pipeline'), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form.toString(),
      signal,
    });
    return toCiRun(json<GlPipeline>(SOURCE, res));
  }

  async getPipeline(project: string, pipelineId: string, signal: AbortSignal): Promise<CiRun> {
    return toCiRun(
      json<GlPipeline>(
        SOURCE,
        await expectOk(SOURCE, this.url(project, `/pipelines/${pathSegment(pipelineId, 'the pipeline id')}`), {
          headers: this.auth(),
          signal,
        }),
      ),
    );
  }

  async cancelPipeline(project: string, pipelineId: string): Promise<void> {
    await expectOk(SOURCE, this.url(project, `/pipelines/${pathSegment(pipelineId, 'the pipeline id')}/cancel`), {
      method: 'POST',
      headers: this.auth(),
    });
  }
}

function toCiRun(p: GlPipeline): CiRun {
  const known = STATES[p.status];
  const state = known?.state ?? 'failed';
  const detail = known ? `${p.status}${known.note ? ` (${known.note})` : ''}` : `${p.status} (a status Switchyard does not know)`;
  return { id: String(p.id), state, detail, ...(p.web_url ? { url: p.web_url } : {}) };
}
