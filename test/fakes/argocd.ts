import { CiFake, type Answer } from './ci-server.js';

/**
 * Argo CD's REST API (argocd-server's gRPC gateway) as far as the `argocd` stage kind uses it:
 * GET /api/v1/applications/{name}, POST .../sync, DELETE .../operation, bearer tokens. Errors
 * answer as the gateway does: `{error, code, message}` with the gRPC code (3 InvalidArgument,
 * 5 NotFound, 9 FailedPrecondition, 16 Unauthenticated) and its HTTP status.
 *
 * A sync clears `status.operationState` (as the server does when it accepts the operation); the
 * controller starts it `startMs` later (phase Running, `startedAt` with one-second precision, like
 * Kubernetes timestamps) and ends it `runMs` after that as the app's `behaviour` says:
 * `healthy` (Succeeded, Progressing, then Healthy), `degraded` (Succeeded, then Degraded), `fail`
 * (Failed, a resource SyncFailed) or `hold` (Running until terminated).
 */
export type ArgoBehaviour = 'healthy' | 'degraded' | 'fail' | 'hold';

interface ResourceResult {
  group: string;
  version: string;
  kind: string;
  namespace: string;
  name: string;
  status: string;
  message: string;
  hookPhase: string;
  syncPhase: string;
}

export interface FakeArgoApp {
  name: string;
  behaviour: ArgoBehaviour;
  sync: { status: string; revision: string };
  health: { status: string; message?: string };
  operationState?: {
    operation: { sync: { revision: string; prune: boolean; dryRun: boolean } };
    phase: string;
    message: string;
    startedAt: string;
    finishedAt?: string;
    syncResult?: { revision: string; resources: ResourceResult[] };
  };
  /** Set while an operation is requested or running (the Application's `operation` field). */
  operation?: { sync: { revision: string; prune: boolean; dryRun: boolean } };
  timers: NodeJS.Timeout[];
  /** This app's controller starts an operation this long after the sync (else the fake's startMs). */
  startMs?: number;
}

const rfc3339 = (ms: number) => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');

const res = (kind: string, group: string, name: string, status: string, message: string): ResourceResult => ({
  group,
  version: 'v1',
  kind,
  namespace: 'web',
  name,
  status,
  message,
  hookPhase: 'Succeeded',
  syncPhase: 'Sync',
});

export class ArgoCdFake extends CiFake {
  readonly apps = new Map<string, FakeArgoApp>();
  startMs = 30;
  runMs = 120;

  constructor(private readonly tokens: string[]) {
    super();
    const app = /^\/api\/v1\/applications\/([^/]+)$/;
    this.on('GET', app, (req, m) => this.guard(req.headers.authorization, m[1]!, (a) => ({ status: 200, json: this.view(a) })));
    this.on('POST', /^\/api\/v1\/applications\/([^/]+)\/sync$/, (req, m) =>
      this.guard(req.headers.authorization, m[1]!, (a) => {
        if (a.operation) return grpcError(400, 9, 'another operation is already in progress');
        const body = JSON.parse(req.body || '{}') as { revision?: string; prune?: boolean; dryRun?: boolean };
        const op = { sync: { revision: body.revision ?? 'HEAD', prune: body.prune ?? false, dryRun: body.dryRun ?? false } };
        a.operation = op;
        a.operationState = undefined;
        a.timers.push(setTimeout(() => this.start(a, op), a.startMs ?? this.startMs));
        return { status: 200, json: this.view(a) };
      }),
    );
    this.on('DELETE', /^\/api\/v1\/applications\/([^/]+)\/operation$/, (req, m) =>
      this.guard(req.headers.authorization, m[1]!, (a) => {
        if (!a.operation || !a.operationState) return grpcError(400, 3, 'Unable to terminate operation. No operation is in progress');
        a.operationState.phase = 'Terminating';
        a.timers.forEach(clearTimeout);
        a.timers.push(setTimeout(() => this.finish(a, 'Failed', 'Operation terminated'), 10));
        return { status: 200, json: {} };
      }),
    );
  }

  /** An application Argo CD knows, currently Synced and Healthy with an old operation behind it. */
  addApp(name: string, behaviour: ArgoBehaviour): FakeArgoApp {
    const a: FakeArgoApp = {
      name,
      behaviour,
      sync: { status: 'Synced', revision: 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678' },
      health: { status: 'Healthy' },
      operationState: {
        operation: { sync: { revision: 'a1b2c3d4', prune: false, dryRun: false } },
        phase: 'Succeeded',
        message: 'successfully synced (all tasks run)',
        startedAt: rfc3339(Date.now() - 3_600_000),
        finishedAt: rfc3339(Date.now() - 3_590_000),
        syncResult: { revision: 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678', resources: [] },
      },
      timers: [],
    };
    this.apps.set(name, a);
    return a;
  }

  syncRequests(app: string) {
    return this.requests.filter((r) => r.method === 'POST' && r.path === `/api/v1/applications/${app}/sync`);
  }

  terminations(app: string) {
    return this.requests.filter((r) => r.method === 'DELETE' && r.path === `/api/v1/applications/${app}/operation`);
  }

  override async close(): Promise<void> {
    for (const a of this.apps.values()) a.timers.forEach(clearTimeout);
    await super.close();
  }

  private guard(auth: string | string[] | undefined, name: string, then: (a: FakeArgoApp) => Answer): Answer {
    if (typeof auth !== 'string' || !this.tokens.some((t) => auth === `Bearer ${t}`)) return grpcError(401, 16, 'no session information');
    const a = this.apps.get(decodeURIComponent(name));
    if (!a) return grpcError(404, 5, `applications.argoproj.io "${decodeURIComponent(name)}" not found`);
    return then(a);
  }

  private start(a: FakeArgoApp, op: NonNullable<FakeArgoApp['operation']>): void {
    a.operationState = {
      operation: op,
      phase: 'Running',
      message: 'waiting for healthy state of apps/Deployment/web',
      startedAt: rfc3339(Date.now()),
    };
    a.sync.status = 'OutOfSync';
    a.health = { status: 'Progressing' };
    if (a.behaviour === 'hold') return;
    a.timers.push(
      setTimeout(() => {
        if (a.behaviour === 'fail') {
          return this.finish(a, 'Failed', 'one or more objects failed to apply, reason: Deployment.apps "web" is invalid', [
            res('Deployment', 'apps', 'web', 'SyncFailed', 'Deployment.apps "web" is invalid: spec.replicas: Invalid value: -1'),
            res('Service', '', 'web', 'Synced', 'service/web unchanged'),
          ]);
        }
        this.finish(a, 'Succeeded', 'successfully synced (all tasks run)', [
          res('Deployment', 'apps', 'web', 'Synced', 'deployment.apps/web configured'),
          res('ConfigMap', '', 'web-config', 'Synced', 'configmap/web-config created'),
          res('Service', '', 'web', 'Synced', 'service/web unchanged'),
          res('CronJob', 'batch', 'old-report', 'Pruned', 'pruned'),
        ]);
        a.timers.push(
          setTimeout(() => {
            a.health =
              a.behaviour === 'degraded'
                ? { status: 'Degraded', message: 'Deployment "web" exceeded its progress deadline' }
                : { status: 'Healthy' };
          }, this.runMs),
        );
      }, this.runMs),
    );
  }

  private finish(a: FakeArgoApp, phase: string, message: string, resources: ResourceResult[] = []): void {
    const st = a.operationState!;
    const revision = `${st.operation.sync.revision}`.padEnd(40, '0').slice(0, 40);
    a.operationState = { ...st, phase, message, finishedAt: rfc3339(Date.now()), syncResult: { revision, resources } };
    a.operation = undefined;
    if (phase === 'Succeeded') a.sync = { status: 'Synced', revision };
  }

  private view(a: FakeArgoApp): Record<string, unknown> {
    return {
      metadata: { name: a.name, namespace: 'argocd' },
      spec: { project: 'default', source: { repoURL: 'https://github.com/acme/web-deploy', path: 'k8s', targetRevision: 'HEAD' } },
      ...(a.operation ? { operation: a.operation } : {}),
      status: {
        sync: a.sync,
        health: a.health,
        ...(a.operationState ? { operationState: a.operationState } : {}),
      },
    };
  }
}

function grpcError(status: number, code: number, message: string): Answer {
  return { status, json: { error: message, code, message } };
}
