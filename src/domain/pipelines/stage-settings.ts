import { isSwitchyardError, PermanentJobError, UpstreamError } from '../../core/errors.js';
import type { ResolvedValue } from '../contracts.js';
import { servicesOf } from '../services.js';
import type { AppContext } from '../../core/module.js';
import type { RunDoc, StageState } from './model.js';
import { injectKeys, maskSecrets, shellTextProblems, substitute } from './placeholders.js';

/**
 * Fills a stage's placeholders when it starts. Inject keys are resolved through the injection
 * capability (Vault, Consul, ...) at this moment only; secret values are returned in `secrets`
 * so the executor can mask them, and never written anywhere.
 */
export async function resolveStageSettings(
  ctx: Pick<AppContext, 'services'>,
  doc: RunDoc,
  stage: StageState,
  log: (line: string) => Promise<void>,
): Promise<{ settings: Record<string, unknown>; secrets: Set<string> }> {
  // A run created before its workflow was fixed keeps the old settings: never paste into shell text.
  const unsafe = shellTextProblems(stage.kind, stage.with)[0];
  if (unsafe) throw new PermanentJobError(`with.${unsafe.path}: ${unsafe.message}`);
  const keys = injectKeys(stage.with);
  const secrets = new Set<string>();
  let injected: Record<string, ResolvedValue> = {};
  if (keys.length) {
    const resolver = servicesOf(ctx).maybe('injection');
    if (!resolver)
      throw new PermanentJobError(`stage needs inject.${keys[0]}, but the injection capability is not enabled in this deployment`);
    try {
      injected = await resolver.resolve(doc.service, doc.env, keys);
    } catch (err) {
      // The resolver names keys and sources, never values; still keep only its message.
      const message = `injecting ${keys.join(', ')} failed: ${(err as Error).message}`;
      if (err instanceof UpstreamError && err.retryable) throw new Error(message);
      throw new PermanentJobError(message);
    }
    for (const k of keys) {
      const v = injected[k];
      if (!v) throw new PermanentJobError(`inject.${k} was not resolved for ${doc.service}/${doc.env}`);
      if (v.secret) secrets.add(v.value);
    }
    for (const k of keys) {
      const v = injected[k]!;
      await log(
        `injected ${k}${v.secret ? ' (secret)' : ''} from ${v.source}:${v.path}` +
          `${v.version !== undefined ? ` v${v.version}` : ''}${v.stale ? ' (stale copy)' : ''}`,
      );
    }
  }
  const run: Record<string, string> = {
    id: doc.id,
    env: doc.env,
    ref: doc.ref,
    pipeline: doc.pipeline,
    service: doc.service,
    triggered_by: doc.triggeredBy,
  };
  const settings = substitute(stage.with, (ns, key) => {
    if (ns === 'params') return key === 'ref' ? doc.ref : key === 'env' ? doc.env : (doc.params[key] ?? '');
    if (ns === 'run') return run[key] ?? '';
    return injected[key]?.value ?? '';
  }) as Record<string, unknown>;
  return { settings, secrets };
}

/** Errors retrying cannot fix: bad config, refused credentials, unknown names. */
export function isPermanent(err: unknown): boolean {
  if (err instanceof PermanentJobError || (err instanceof Error && err.name === 'PermanentJobError')) return true;
  if (err instanceof UpstreamError) return !err.retryable;
  return isSwitchyardError(err) && ['config', 'usage', 'forbidden', 'not_found'].includes(err.code);
}

/** An error's message as it may be shown and stored: secrets masked, one line, bounded. */
export function safeMessage(err: unknown, secrets: ReadonlySet<string>): string {
  const text = err instanceof Error ? err.message : String(err);
  return maskSecrets(text, secrets).split('\n')[0]!.slice(0, 300);
}

/** Masks secrets anywhere inside a JSON-able value (stage details, summaries). */
export function maskDeep<T>(value: T, secrets: ReadonlySet<string>): T {
  if (!secrets.size || value === undefined) return value;
  return JSON.parse(maskSecrets(JSON.stringify(value), secrets)) as T;
}
