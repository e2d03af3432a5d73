import { z } from 'zod';
import type { StageKind, StageOutcomeDone } from '../../contracts.js';
import { ConfigError } from '../../../core/errors.js';
import type { CiRun } from '../ports.js';
import type { ArgoAppState, ArgoCallOptions, ArgoCdClient } from './argocd-client.js';
import { changedResources, describeOutcome } from './argocd-summary.js';
import { builtin, followRun, permanentIfRefused } from './common.js';

/**
 * The `argocd` stage kind: syncs an Argo CD application to a revision and follows it until the
 * operation has finished and the application is Healthy (success), the operation Failed/Error or the
 * application Degraded (failure), or the stage times out (the executor then calls `cancel`, which
 * terminates the operation). The sync request is remembered in the stage checkpoint, so a retry or
 * a restarted worker follows the same operation instead of syncing again.
 */
export const argocdSettings = z
  .object({
    /** The Argo CD Application's name (its namespace in `app_namespace` for apps in any namespace). */
    app: z.string().min(1).max(253),
    /** Git revision to sync to; the run's ref when left out. */
    revision: z.string().min(1).optional(),
    /** Delete resources no longer in Git. Off unless the workflow says so. */
    prune: z.boolean().default(false),
    app_namespace: z.string().min(1).max(63).optional(),
    /** A token for this stage (`${{ inject.argocd_token }}`) instead of ARGOCD_TOKEN; never logged. */
    token: z.string().min(1).optional(),
  })
  .strict();

type ArgoSettings = z.infer<typeof argocdSettings>;

function callOptions(s: ArgoSettings): ArgoCallOptions {
  return { ...(s.app_namespace ? { namespace: s.app_namespace } : {}), ...(s.token ? { token: s.token } : {}) };
}

/** What the stage saw of the application's operation before it asked for the sync. */
export interface SyncMark {
  previousStart: string;
  /** The application showed no operation state after the request: Argo CD had accepted it. */
  cleared: boolean;
}

/**
 * The operation is ours once Argo CD has cleared the previous one (it does when it accepts a sync)
 * or shows one that started at another time: `startedAt` has one-second precision, so a sync that
 * starts within the second the previous one started is recognised by the clearing.
 */
function ours(app: ArgoAppState, mark: SyncMark): boolean {
  return app.operation !== undefined && (mark.cleared || (app.operation.startedAt ?? '') !== mark.previousStart);
}

/** The application as a remote run: finished only when the operation has ended and health settled. */
export function argoAsRun(name: string, app: ArgoAppState, mark: SyncMark): CiRun {
  if (app.operation === undefined) mark.cleared = true;
  if (!ours(app, mark)) return { id: name, state: 'pending', detail: 'sync requested, waiting for the operation to start' };
  const op = app.operation!;
  const words = `operation ${op.phase}, ${app.sync}, ${app.health}`;
  if (op.phase === 'Failed' || op.phase === 'Error') return { id: name, state: 'failed', detail: words };
  if (op.phase !== 'Succeeded') return { id: name, state: 'running', detail: words };
  if (app.health === 'Healthy') return { id: name, state: 'succeeded', detail: words };
  if (app.health === 'Degraded') return { id: name, state: 'failed', detail: words };
  return { id: name, state: 'running', detail: words };
}

export function argocdKind(argo: ArgoCdClient | undefined, o: { pollMs: number }): StageKind {
  const need = () => {
    if (!argo) throw permanentIfRefused(new ConfigError('Argo CD (ARGOCD_URL, ARGOCD_TOKEN) is not configured in this deployment'));
    return argo;
  };
  return {
    kind: 'argocd',
    settings: argocdSettings,
    attempts: 3,
    backoffMs: 2000,
    async run(ctx) {
      const b = builtin(ctx);
      const client = need();
      const s = argocdSettings.parse(ctx.settings);
      const opts = callOptions(s);
      const revision = s.revision ?? ctx.run.ref;
      let ck = b.checkpoint.get() ?? {};
      if (typeof ck.syncedAt !== 'number') {
        const tries = async <T>(fn: () => Promise<T>) => fn().catch((err: unknown) => Promise.reject(permanentIfRefused(err)));
        const before = await tries(() => client.get(s.app, opts, ctx.signal));
        const resumed = typeof ck.previousStart === 'string';
        const previousStart = resumed ? String(ck.previousStart) : (before.operation?.startedAt ?? '');
        // Resumed after a sync request whose answer was lost: Argo CD accepted it if it cleared the
        // operation state (not started yet) or started a new operation; follow that, do not sync twice.
        const landed = resumed && (before.operation === undefined || ours(before, { previousStart, cleared: false }));
        if (!landed) {
          // Marked before sending, so a cancel arriving meanwhile still terminates the operation.
          if (!resumed) await b.checkpoint.save({ syncing: Date.now(), previousStart });
          await tries(() => client.sync(s.app, { revision, prune: s.prune }, opts));
        }
        ck = { syncedAt: Date.now(), previousStart };
        await b.checkpoint.save(ck);
        await ctx.log(`requested a sync of ${s.app} to ${revision}${s.prune ? ' (prune)' : ''}`);
        await ctx.setLink(client.appUrl(s.app, opts));
      }
      const mark: SyncMark = { previousStart: String(ck.previousStart ?? ''), cleared: ck.cleared === true };
      let last: ArgoAppState | undefined;
      const done: StageOutcomeDone = await followRun(
        b,
        o.pollMs,
        async () => {
          last = await client.get(s.app, opts, ctx.signal);
          const seen = mark.cleared;
          const run = argoAsRun(s.app, last, mark);
          // Kept, so a worker that takes the stage over still knows the operation it sees is ours.
          if (!seen && mark.cleared) await b.checkpoint.save({ ...ck, cleared: true });
          return run;
        },
        'application',
      );
      const changed = last ? changedResources(last) : [];
      return {
        ...done,
        link: client.appUrl(s.app, opts),
        summary: last ? describeOutcome(s.app, revision, last) : done.summary,
        details: { ...done.details, changed: changed.map((r) => `${r.kind} ${r.namespace ? `${r.namespace}/` : ''}${r.name} ${r.change}`) },
      };
    },
    async cancel(ctx) {
      if (!argo) return;
      const b = builtin(ctx);
      // Nothing was asked of Argo CD yet: there is no operation of ours to stop.
      if (typeof b.checkpoint.get()?.syncing !== 'number' && typeof b.checkpoint.get()?.syncedAt !== 'number') return;
      const s = argocdSettings.parse(ctx.settings);
      const opts = callOptions(s);
      // Argo CD terminates only an operation its controller has started: a sync request still in
      // flight, or accepted and not started yet, is tried again for a few seconds (within the
      // executor's 10 s cancel budget), unless the application shows our operation already ended.
      const deadline = Date.now() + 8000;
      for (;;) {
        if ((await argo.terminate(s.app, opts)) === 'terminated') return ctx.log(`terminated the sync operation of ${s.app}`);
        const ck = b.checkpoint.get() ?? {};
        const app = await argo.get(s.app, opts, AbortSignal.timeout(3000)).catch(() => undefined);
        const mark = { previousStart: String(ck.previousStart ?? ''), cleared: ck.cleared === true };
        const ended = app?.operation && ours(app, mark) && !['Running', 'Terminating'].includes(app.operation.phase);
        if (ended || Date.now() >= deadline) return ctx.log(`no operation of ${s.app} was running to terminate`);
        await new Promise((r) => setTimeout(r, 300));
      }
    },
  };
}
