import { UpstreamError } from '../../core/errors.js';
import type { CiRun, JenkinsClient } from '../../domain/pipelines/ports.js';
import { ensureOk, json, pathSegment, request, type HttpAnswer } from './http.js';

const SOURCE = 'Jenkins';

/** How Jenkins says a POST lacked its CSRF crumb (403, in the HTML error page). */
const NO_CRUMB = /No valid crumb/i;

/**
 * Jenkins remote access API: buildWithParameters answers 201 with the queue item in `Location`;
 * the queue item names the build once it starts; the build's api/json says building/result.
 * URLs Jenkins hands back are re-based onto JENKINS_URL, so credentials never go to another host.
 *
 * CSRF protection: when a POST is refused for want of a crumb, the client fetches one from
 * /crumbIssuer/api/json, keeps the session cookie Jenkins set with it (the crumb is valid only in
 * that session), sends both on every later request and asks again if the session expires.
 */
export class JenkinsHttpClient implements JenkinsClient {
  private crumb: { field: string; value: string } | undefined;
  private readonly cookies = new Map<string, string>();

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
    return {
      authorization: `Basic ${Buffer.from(`${this.o.user}:${this.o.token}`).toString('base64')}`,
      ...(this.cookies.size ? { cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ') } : {}),
      ...(this.crumb ? { [this.crumb.field]: this.crumb.value } : {}),
    };
  }

  /** Keeps `name=value` of every Set-Cookie (the JSESSIONID.<hash> the crumb is bound to). */
  private remember(res: HttpAnswer): void {
    for (const c of res.headers.getSetCookie()) {
      const m = /^\s*([^=;\s]+)=([^;]*)/.exec(c);
      if (m) this.cookies.set(m[1]!, m[2]!);
    }
  }

  private async call(
    url: string,
    init: { method?: string; body?: string; contentType?: string; signal?: AbortSignal },
  ): Promise<HttpAnswer> {
    const send = async () => {
      const res = await request(SOURCE, url, {
        ...(init.method ? { method: init.method } : {}),
        headers: { ...this.headers(), ...(init.contentType ? { 'content-type': init.contentType } : {}) },
        ...(init.body !== undefined ? { body: init.body } : {}),
        ...(init.signal ? { signal: init.signal } : {}),
      });
      this.remember(res);
      return res;
    };
    let res = await send();
    if (res.status === 403 && NO_CRUMB.test(res.text)) {
      // Refused before anything ran, so asking again with a fresh crumb cannot start a second build.
      await this.fetchCrumb(init.signal);
      res = await send();
    }
    return res;
  }

  private async fetchCrumb(signal: AbortSignal | undefined): Promise<void> {
    this.crumb = undefined;
    this.cookies.clear();
    const url = `${this.base()}/crumbIssuer/api/json`;
    const res = ensureOk(SOURCE, url, 'GET', await this.call(url, signal ? { signal } : {}));
    const body = json<{ crumb?: string; crumbRequestField?: string }>(SOURCE, res);
    if (!body.crumb || !body.crumbRequestField || !/^[A-Za-z0-9-]+$/.test(body.crumbRequestField)) {
      throw new UpstreamError(SOURCE, 'the crumb issuer answered without a usable crumb and crumbRequestField', { retryable: false });
    }
    this.crumb = { field: body.crumbRequestField, value: body.crumb };
  }

  async buildWithParameters(job: string, params: Record<string, string>, signal: AbortSignal): Promise<string> {
    // Each folder level of `a/b` is one encoded segment; parameters are a form, so `&` or `=` in a value stay data.
    const path = job
      .split('/')
      .map((p, i) => `job/${pathSegment(p, `level ${i + 1} of with.job`)}`)
      .join('/');
    const url = `${this.base()}/${path}/buildWithParameters`;
    const res = ensureOk(
      SOURCE,
      url,
      'POST',
      await this.call(url, {
        method: 'POST',
        contentType: 'application/x-www-form-urlencoded',
        body: new URLSearchParams(params).toString(),
        signal,
      }),
    );
    const location = res.headers.get('location');
    if (!location) throw new UpstreamError(SOURCE, 'buildWithParameters answered without a Location (queue item)');
    return this.rebase(location);
  }

  async queueItem(queueUrl: string, signal: AbortSignal): Promise<{ buildUrl?: string; cancelled?: boolean; why?: string }> {
    const url = `${this.rebase(queueUrl)}api/json`;
    const item = json<{ cancelled?: boolean; why?: string | null; executable?: { url?: string } | null }>(
      SOURCE,
      ensureOk(SOURCE, url, 'GET', await this.call(url, { signal })),
    );
    if (item.cancelled) return { cancelled: true };
    if (item.executable?.url) return { buildUrl: this.rebase(item.executable.url) };
    return item.why ? { why: item.why } : {};
  }

  async getBuild(buildUrl: string, signal: AbortSignal): Promise<CiRun> {
    const url = `${this.rebase(buildUrl)}api/json`;
    const b = json<{ number?: number; building?: boolean; result?: string | null; url?: string }>(
      SOURCE,
      ensureOk(SOURCE, url, 'GET', await this.call(url, { signal })),
    );
    const result = b.result ?? null;
    const state: CiRun['state'] =
      b.building || result === null ? 'running' : result === 'SUCCESS' ? 'succeeded' : result === 'ABORTED' ? 'cancelled' : 'failed';
    return { id: String(b.number ?? '?'), state, detail: b.building ? 'building' : (result ?? 'pending'), url: this.rebase(buildUrl) };
  }

  /** Jenkins answers a stop with a 302 back to the build page. */
  async stopBuild(buildUrl: string): Promise<void> {
    const res = await this.call(`${this.rebase(buildUrl)}stop`, { method: 'POST' });
    if (res.status >= 400) throw new UpstreamError(SOURCE, `stop answered HTTP ${res.status}`, { retryable: res.status >= 500 });
  }

  async cancelQueueItem(queueUrl: string): Promise<void> {
    const id = /\/queue\/item\/(\d+)\/?$/.exec(new URL(queueUrl).pathname)?.[1];
    if (!id) return;
    const url = `${this.base()}/queue/cancelItem?id=${id}`;
    ensureOk(SOURCE, url, 'POST', await this.call(url, { method: 'POST' }));
  }
}
