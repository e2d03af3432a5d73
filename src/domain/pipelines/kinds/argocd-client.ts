/**
 * What the `argocd` stage kind needs from Argo CD (src/adapters/argocd implements it over the REST
 * API). Every call may carry a stage's own token (an injected value); without one the adapter uses
 * its configured token. Tokens never appear in errors or logs.
 */
export interface ArgoCallOptions {
  /** Apps in any namespace: the Application's namespace (`appNamespace`). */
  namespace?: string;
  /** A stage's own bearer token (injected), instead of ARGOCD_TOKEN. */
  token?: string;
}

/** One entry of `status.operationState.syncResult.resources[]`. */
export interface ArgoResourceResult {
  group: string;
  kind: string;
  namespace: string;
  name: string;
  /** Synced | SyncFailed | Pruned | PruneSkipped */
  status: string;
  /** kubectl's words: `deployment.apps/web configured`, `service/web unchanged`. */
  message: string;
}

/** The parts of an Application the stage follows. */
export interface ArgoAppState {
  /** `status.sync.status`: Synced | OutOfSync | Unknown. */
  sync: string;
  /** `status.health.status`: Healthy | Progressing | Degraded | Suspended | Missing | Unknown. */
  health: string;
  healthMessage?: string;
  /** `status.operationState`, absent while none has started (right after a sync request). */
  operation?: {
    /** Running | Terminating | Succeeded | Failed | Error */
    phase: string;
    message?: string;
    startedAt?: string;
    /** The revision the operation synced (`syncResult.revision`). */
    revision?: string;
    resources: ArgoResourceResult[];
  };
}

export interface ArgoCdClient {
  /** The application's page in the Argo CD UI (linked from the run). */
  appUrl(app: string, o: ArgoCallOptions): string;
  /** GET /api/v1/applications/{name}. */
  get(app: string, o: ArgoCallOptions, signal: AbortSignal): Promise<ArgoAppState>;
  /** POST /api/v1/applications/{name}/sync `{revision, prune, dryRun: false}`. */
  sync(app: string, req: { revision: string; prune: boolean }, o: ArgoCallOptions): Promise<void>;
  /** DELETE /api/v1/applications/{name}/operation; `none` when no operation was in progress. */
  terminate(app: string, o: ArgoCallOptions): Promise<'terminated' | 'none'>;
}
