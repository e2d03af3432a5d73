import type { StageContext, StageOutcomeDone } from '../../contracts.js';
import type { JsonValue } from '../../../core/ports/jobs.js';
import { isSwitchyardError, PermanentJobError, UpstreamError } from '../../../core/errors.js';
import type { CiRun } from '../ports.js';

/**
 * What the pipeline executor gives the built-in kinds on top of the StageContext contract:
 * a checkpoint kept on the run (so a restarted worker resumes polling the same CI run instead of
 * triggering another) and the stage's timeout.
 */
export interface BuiltinStageContext extends StageContext {
  checkpoint: {
    get(): { [key: string]: JsonValue } | undefined;
    save(value: { [key: string]: JsonValue }): Promise<void>;
  };
  timeoutMs: number;
}

export function builtin(ctx: StageContext): BuiltinStageContext {
  if (!('checkpoint' in ctx)) throw new PermanentJobError('built-in stage kinds run only under the pipelines executor');
  return ctx as BuiltinStageContext;
}

export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason as Error);
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal.reason as Error);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** A backend answer that retrying cannot fix (bad token, unknown repo): fail the stage at once. */
export function permanentIfRefused(err: unknown): unknown {
  if (err instanceof UpstreamError && !err.retryable) return new PermanentJobError(err.message, { cause: err });
  if (isSwitchyardError(err) && err.code === 'config') return new PermanentJobError(err.message, { cause: err });
  return err;
}

const MAX_POLL_ERRORS = 5;

/**
 * Polls a CI run until it finishes. A few transient errors in a row are tolerated (the backend
 * blinked); more, or a refusal, end the attempt, and the stage's retry resumes from the checkpoint.
 */
export async function followRun(
  ctx: BuiltinStageContext,
  pollMs: number,
  get: () => Promise<CiRun>,
  what: string,
): Promise<StageOutcomeDone> {
  let errors = 0;
  let lastDetail = '';
  for (;;) {
    let run: CiRun | undefined;
    try {
      run = await get();
      errors = 0;
    } catch (err) {
      if ((err instanceof UpstreamError && !err.retryable) || ++errors >= MAX_POLL_ERRORS) throw permanentIfRefused(err);
      await ctx.log(`${what}: poll failed (${(err as Error).message}); trying again`);
    }
    if (run) {
      if (run.detail !== lastDetail) {
        lastDetail = run.detail;
        await ctx.log(`${what} ${run.id}: ${run.detail}${run.url ? ` ${run.url}` : ''}`);
      }
      if (run.state === 'succeeded' || run.state === 'failed' || run.state === 'cancelled') {
        return {
          status: run.state === 'succeeded' ? 'succeeded' : 'failed',
          summary: `${what} ${run.id} ${run.detail}`,
          ...(run.url ? { link: run.url } : {}),
          details: { remoteId: run.id, remoteState: run.detail },
        };
      }
    }
    await sleep(pollMs, ctx.signal);
  }
}

/** String map settings (inputs, variables, parameters) after placeholder substitution. */
export function stringMap(value: unknown): Record<string, string> {
  if (!value || typeof value !== 'object') return {};
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]),
  );
}
