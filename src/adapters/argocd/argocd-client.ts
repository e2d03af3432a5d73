import { UpstreamError } from '../../core/errors.js';
import type { ArgoAppState, ArgoCallOptions, ArgoCdClient, ArgoResourceResult } from '../../domain/pipelines/kinds/argocd-client.js';
import { ensureOk, json, pathSegment, request, type HttpAnswer } from '../ci/http.js';

const SOURCE = 'Argo CD';

/** gRPC codes Argo CD's REST gateway puts in its error bodies (`{error, code, message}`). */
const INVALID_ARGUMENT = 3;
const FAILED_PRECONDITION = 9;

interface ArgoApplication {
  status?: {
    sync?: { status?: string; revision?: string };
    health?: { status?: string; message?: string };
    operationState?: {
      phase?: string;
      message?: string;
      startedAt?: string;
      syncResult?: { revision?: string; resources?: Array<Partial<ArgoResourceResult> & { version?: string }> };
    };
  };
}

interface ArgoError {
  error?: string;
  message?: string;
  code?: number;
}

/** Argo CD's own words for a refusal, clipped: they name the app or the conflict, never the token. */
function argoError(res: HttpAnswer): ArgoError {
  try {
    const e = JSON.parse(res.text) as ArgoError;
    const words = (e.message ?? e.error ?? '').replace(/\s+/g, ' ').slice(0, 200);
    return { ...e, message: words };
  } catch {
    return {};
  }
}

/**
 * Argo CD's REST API (the gRPC gateway of argocd-server) with a bearer token: an account token from
 * ARGOCD_TOKEN, or a stage's own injected one. Errors name the method, path and status, and Argo
 * CD's message, never the token.
 */
export class ArgoCdHttpClient implements ArgoCdClient {
  constructor(private readonly o: { baseUrl: string; token?: string }) {}

  private base(): string {
    return this.o.baseUrl.replace(/\/$/, '');
  }

  private url(app: string, o: ArgoCallOptions, tail = ''): string {
    const q = o.namespace ? `?${new URLSearchParams({ appNamespace: o.namespace })}` : '';
    return `${this.base()}/api/v1/applications/${pathSegment(app, 'with.app')}${tail}${q}`;
  }

  private headers(o: ArgoCallOptions): Record<string, string> {
    const token = o.token ?? this.o.token;
    if (!token) throw new UpstreamError(SOURCE, 'no token: set ARGOCD_TOKEN or the stage’s with.token', { retryable: false });
    return { authorization: `Bearer ${token}`, accept: 'application/json' };
  }

  appUrl(app: string, o: ArgoCallOptions): string {
    const ns = o.namespace ? `${encodeURIComponent(o.namespace)}/` : '';
    return `${this.base()}/applications/${ns}${encodeURIComponent(app)}`;
  }

  async get(app: string, o: ArgoCallOptions, signal: AbortSignal): Promise<ArgoAppState> {
    const url = this.url(app, o);
    const res = await request(SOURCE, url, { headers: this.headers(o), signal });
    return toState(json<ArgoApplication>(SOURCE, this.ok(url, 'GET', res)));
  }

  async sync(app: string, req: { revision: string; prune: boolean }, o: ArgoCallOptions): Promise<void> {
    const url = this.url(app, o, '/sync');
    // No abort signal: once sent, the operation runs, and the checkpoint lets a cancel terminate it.
    const res = await request(SOURCE, url, {
      method: 'POST',
      headers: { ...this.headers(o), 'content-type': 'application/json' },
      body: JSON.stringify({ revision: req.revision, prune: req.prune, dryRun: false }),
    });
    const e = res.status === 400 ? argoError(res) : {};
    if (e.code === FAILED_PRECONDITION) {
      // Another sync (an automated one, a person's) holds the app: worth another attempt later.
      throw new UpstreamError(SOURCE, `POST sync of ${app} refused: ${e.message || 'another operation is in progress'}`);
    }
    this.ok(url, 'POST', res);
  }

  async terminate(app: string, o: ArgoCallOptions): Promise<'terminated' | 'none'> {
    const url = this.url(app, o, '/operation');
    const res = await request(SOURCE, url, { method: 'DELETE', headers: this.headers(o), timeoutMs: 8000 });
    if (res.status === 400) {
      const e = argoError(res);
      if (e.code === INVALID_ARGUMENT || /no operation is in progress/i.test(e.message ?? '')) return 'none';
    }
    this.ok(url, 'DELETE', res);
    return 'terminated';
  }

  /** A non-2xx answer as an UpstreamError, with Argo CD's message when it gave one. */
  private ok(url: string, method: string, res: HttpAnswer): HttpAnswer {
    try {
      return ensureOk(SOURCE, url, method, res);
    } catch (err) {
      const words = argoError(res).message;
      if (!words || !(err instanceof UpstreamError)) throw err;
      throw new UpstreamError(SOURCE, `${err.message.replace(/^Argo CD: /, '')}: ${words}`, { retryable: err.retryable });
    }
  }
}

function toState(a: ArgoApplication): ArgoAppState {
  const st = a.status ?? {};
  const op = st.operationState;
  return {
    sync: st.sync?.status ?? 'Unknown',
    health: st.health?.status ?? 'Unknown',
    ...(st.health?.message ? { healthMessage: st.health.message } : {}),
    ...(op
      ? {
          operation: {
            phase: op.phase ?? 'Unknown',
            ...(op.message ? { message: op.message } : {}),
            ...(op.startedAt ? { startedAt: op.startedAt } : {}),
            ...(op.syncResult?.revision ? { revision: op.syncResult.revision } : {}),
            resources: (op.syncResult?.resources ?? []).map((r) => ({
              group: r.group ?? '',
              kind: r.kind ?? '',
              namespace: r.namespace ?? '',
              name: r.name ?? '',
              status: r.status ?? '',
              message: r.message ?? '',
            })),
          },
        }
      : {}),
  };
}
