import { UpstreamError } from '../../core/errors.js';
import type { WebhookCaller } from '../../domain/pipelines/ports.js';

/**
 * Small fetch helpers shared by the CI clients. Errors name the backend and the status, never a
 * token or a request body. 401/403/404/422 are refusals (retrying cannot help); the rest retryable.
 */
export interface HttpAnswer {
  status: number;
  headers: Headers;
  text: string;
}

const REFUSED = new Set([400, 401, 403, 404, 410, 422]);

export async function request(source: string, url: string, init: RequestInit & { timeoutMs?: number; signal?: AbortSignal }): Promise<HttpAnswer> {
  const signals = [AbortSignal.timeout(init.timeoutMs ?? 30_000), ...(init.signal ? [init.signal] : [])];
  let res: Response;
  try {
    res = await fetch(url, { ...init, redirect: 'manual', signal: AbortSignal.any(signals) });
  } catch (err) {
    if (init.signal?.aborted) throw init.signal.reason as Error;
    throw new UpstreamError(source, `${init.method ?? 'GET'} ${pathOf(url)} failed: ${(err as Error).name === 'TimeoutError' ? 'timed out' : (err as Error).message}`, { cause: err });
  }
  return { status: res.status, headers: res.headers, text: await res.text() };
}

/** Like request, but a non-2xx answer is an UpstreamError. */
export async function expectOk(source: string, url: string, init: RequestInit & { timeoutMs?: number; signal?: AbortSignal }): Promise<HttpAnswer> {
  const res = await request(source, url, init);
  if (res.status >= 200 && res.status < 300) return res;
  const hint = res.status === 401 || res.status === 403 ? ' (check the token and its permissions)' : '';
  throw new UpstreamError(source, `${init.method ?? 'GET'} ${pathOf(url)} answered HTTP ${res.status}${hint}`, { retryable: !REFUSED.has(res.status) });
}

export function json<T>(source: string, res: HttpAnswer): T {
  try {
    return JSON.parse(res.text) as T;
  } catch {
    throw new UpstreamError(source, `answered HTTP ${res.status} with a body that is not JSON`);
  }
}

function pathOf(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    return '(bad url)';
  }
}

/** The `http` stage kind's webhook call. */
export class FetchWebhookCaller implements WebhookCaller {
  async call(o: Parameters<WebhookCaller['call']>[0]): Promise<{ status: number; body: string }> {
    const res = await request('webhook', o.url, { method: o.method, headers: o.headers, ...(o.body !== undefined ? { body: o.body } : {}), timeoutMs: o.timeoutMs, signal: o.signal });
    return { status: res.status, body: res.text };
  }
}
