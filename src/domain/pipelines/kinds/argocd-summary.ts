import type { ArgoAppState, ArgoResourceResult } from './argocd-client.js';

/** How many changed resources the stage summary names before it says "and N more". */
const MAX_LISTED = 8;

export interface ChangedResource {
  kind: string;
  namespace: string;
  name: string;
  /** kubectl's verb (`configured`, `created`), `pruned`, or `failed: <why>`. */
  change: string;
}

/**
 * The resources the operation changed: pruned ones, failed ones, and applied ones whose kubectl
 * message is not `unchanged` (Argo CD reports every resource of the app, changed or not).
 */
export function changedResources(app: ArgoAppState): ChangedResource[] {
  const out: ChangedResource[] = [];
  for (const r of app.operation?.resources ?? []) {
    const change = changeOf(r);
    if (change) out.push({ kind: r.kind, namespace: r.namespace, name: r.name, change });
  }
  return out;
}

function changeOf(r: ArgoResourceResult): string | undefined {
  if (r.status === 'Pruned') return 'pruned';
  if (r.status === 'SyncFailed') return `failed: ${clip(r.message, 120)}`;
  const verb = /\s(\w+)$/.exec(r.message.trim())?.[1];
  if (!verb || verb === 'unchanged') return undefined;
  return verb;
}

const clip = (text: string, max: number) => {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
};

/** The stage summary: the outcome in Argo CD's words, then what changed (bounded). */
export function describeOutcome(app: string, revision: string, state: ArgoAppState): string {
  const op = state.operation;
  const head =
    `${app} → ${op?.revision ? op.revision.slice(0, 12) : revision}: operation ${op?.phase ?? 'not started'}, ` +
    `${state.sync}, ${state.health}`;
  const why = op && op.phase !== 'Succeeded' && op.message ? ` (${clip(op.message, 160)})` : '';
  const health = state.health === 'Degraded' && state.healthMessage ? ` (${clip(state.healthMessage, 160)})` : '';
  const changed = changedResources(state);
  const total = op?.resources.length ?? 0;
  if (!changed.length) return `${head}${why}${health}; no resource changed${total ? ` (${total} in sync)` : ''}`;
  const listed = changed
    .slice(0, MAX_LISTED)
    .map((r) => `${r.kind} ${r.namespace ? `${r.namespace}/` : ''}${r.name} ${r.change}`)
    .join(', ');
  const more = changed.length > MAX_LISTED ? `, and ${changed.length - MAX_LISTED} more` : '';
  return `${head}${why}${health}; changed ${changed.length} of ${total}: ${listed}${more}`;
}
