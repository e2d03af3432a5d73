import { UpstreamError } from '../../core/errors.js';
import type { CiRun, JenkinsClient } from '../../domain/pipelines/ports.js';
import { expectOk, json, request } from './http.js';

const SOURCE = 'Jenkins';

/**
 * Jenkins remote access API: buildWithParameters answers 201 with the queue item in `Location`;
 * the queue item names the build once it starts; the build's api/json says building/result.
 * URLs Jenkins hands back are re-based onto JENKINS_URL, so credentials never go to another host.
 */
export class JenkinsHttpClient implements JenkinsClient {
  constructor(private readonly o: { baseUrl: string; user: string; token: string }) {}

  private base(): string {
    return this.o.baseUrl.replace(/\/$/, '');
  }

  private rebase(url: string): string {
    const path = new URL(url, `${this.base()}/`).pathname;
    const basePath = new URL(`${this.base()}/`).pathname;
    const rel = path.startsWith(basePath) ? path.slice(basePath.length) : path.replace(/^\//, '');
    return `${this.base()}/${rel.replace(/\/?$/, '/')}`;
  }

  private headers(): Record<string, string> {
    return { authorization: `Basic ${Buffer.from(`${this.o.user}:${this.o.token}`).toString('base64')}` };
  }

  async buildWithParameters(job: string, params: Record<string, string>, signal: AbortSignal): Promise<string> {
    const path = job.split('/').map((p) => `job/${encodeURIComponent(p)}`).join('/');
    const res = await expectOk(SOURCE, `${this.base()}/${path}/buildWithParameters`, {
      method: 'POST', headers: { ...this.headers(), 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(params).toString(), signal,
    });
    const location = res.headers.get('location');
    if (!location) throw new UpstreamError(SOURCE, 'buildWithParameters answered without a Location (queue item)');
    return this.rebase(location);
  }

  async queueItem(queueUrl: string, signal: AbortSignal): Promise<{ buildUrl?: string; cancelled?: boolean; why?: string }> {
    const item = json<{ cancelled?: boolean; why?: string | null; executable?: { url?: string } | null }>(SOURCE, await expectOk(SOURCE, `${this.rebase(queueUrl)}api/json`, { headers: this.headers(), signal }));
    if (item.cancelled) return { cancelled: true };
    if (item.executable?.url) return { buildUrl: this.rebase(item.executable.url) };
    return item.why ? { why: item.why } : {};
  }

  async getBuild(buildUrl: string, signal: AbortSignal): Promise<CiRun> {
    const b = json<{ number?: number; building?: boolean; result?: string | null; url?: string }>(SOURCE, await expectOk(SOURCE, `${this.rebase(buildUrl)}api/json`, { headers: this.headers(), signal }));
    const result = b.result ?? null;
    const state: CiRun['state'] = b.building || result === null ? 'running' : result === 'SUCCESS' ? 'succeeded' : result === 'ABORTED' ? 'cancelled' : 'failed';
    return { id: String(b.number ?? '?'), state, detail: b.building ? 'building' : (result ?? 'pending'), url: this.rebase(buildUrl) };
  }

  /** Jenkins answers a stop with a 302 back to the build page. */
  async stopBuild(buildUrl: string): Promise<void> {
    const res = await request(SOURCE, `${this.rebase(buildUrl)}stop`, { method: 'POST', headers: this.headers() });
    if (res.status >= 400) throw new UpstreamError(SOURCE, `stop answered HTTP ${res.status}`, { retryable: res.status >= 500 });
  }

  async cancelQueueItem(queueUrl: string): Promise<void> {
    const id = /\/queue\/item\/(\d+)\/?$/.exec(new URL(queueUrl).pathname)?.[1];
    if (id) await expectOk(SOURCE, `${this.base()}/queue/cancelItem?id=${id}`, { method: 'POST', headers: this.headers() });
  }
}
