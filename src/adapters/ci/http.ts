import { PermanentJobError, UpstreamError } from '../../core/errors.js';
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

type RequestOptions = RequestInit & {
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Name only the host in errors: the path may carry a token (webhook URLs). */ hidePath?: boolean;
};

export async function request(source: string, url: string, init: RequestOptions): Promise<HttpAnswer> {
  const signals = [AbortSignal.timeout(init.timeoutMs ?? 30_000), ...(init.signal ? [init.signal] : [])];
  let res: Response;
  try {
    res = await fetch(url, { ...init, redirect: 'manual', signal: AbortSignal.any(signals) });
  } catch (err) {
    if (init.signal?.aborted) throw init.signal.reason as Error;
    throw new UpstreamError(
      source,
      `${init.method ?? 'GET'} ${init.hidePath ? hostOf(url) : pathOf(url)} failed: ` +
        `${(err as Error).name === 'TimeoutError' ? 'timed out' : (err as Error).message}`,
      { cause: err },
    );
  }
  return { status: res.status, headers: res.headers, text: await res.text() };
}

/** Like request, but a non-2xx answer is an UpstreamError. */
export async function expectOk(source: string, url: string, init: RequestOptions): Promise<HttpAnswer> {
  return ensureOk(source, url, init.method, await request(source, url, init));
}

/** A non-2xx answer as an UpstreamError naming the method, path and status (never the body). */
export function ensureOk(source: string, url: string, method: string | undefined, res: HttpAnswer): HttpAnswer {
  if (res.status >= 200 && res.status < 300) return res;
  const hint = res.status === 401 || res.status === 403 ? ' (check the token and its permissions)' : '';
  throw new UpstreamError(source, `${method ?? 'GET'} ${pathOf(url)} answered HTTP ${res.status}${hint}`, {
    retryable: !REFUSED.has(res.status),
  });
}

export function json<T>(source: string, res: HttpAnswer): T {
  try {
    return JSON.parse(res.text) as T;
  } catch {
    throw new UpstreamError(source, `answered HTTP ${res.status} with a body that is not JSON`);
  }
}

/**
 * One URL path segment from a value that may come from a run parameter: percent-encoded, so `/`,
 * `?`, `#` and `&` stay data. `.` and `..` are refused, because URL parsers resolve them (and
 * their `%2E` forms) as navigation whatever the encoding.
 */
export function pathSegment(value: string, what: string): string {
  if (value === '' || value === '.' || value === '..')
    throw new PermanentJobError(`${what} is empty, "." or "..": refused as a URL path segment`);
  return encodeURIComponent(value);
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return '(bad url)';
  }
}

function pathOf(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    return '(bad url)';
  }
}

/** The `http` stage kind's webhook call. Webhook URLs often carry their token in the path (Slack, Teams), so errors name only the host. */
export class FetchWebhookCaller implements WebhookCaller {
  async call(o: Parameters<WebhookCaller['call']>[0]): Promise<{ status: number; body: string }> {
    const res = await request('webhook', o.url, {
      method: o.method,
      headers: o.headers,
      ...(o.body !== undefined ? { body: o.body } : {}),
      timeoutMs: o.timeoutMs,
      signal: o.signal,
      hidePath: true,
    });
    return { status: res.status, body: res.text };
  }
}
