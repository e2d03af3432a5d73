import { z } from 'zod';
import { UpstreamError } from '../../../core/errors.js';
import type { PlanSummary } from '../../contracts.js';

/**
 * The parts of `terraform show -json <planfile>` (HashiCorp's JSON output format) a summary needs:
 * each resource change's address and actions. `["delete","create"]` and `["create","delete"]`
 * are a replacement; `["no-op"]` and `["read"]` change nothing. Everything else in the document
 * (variables, before/after values: secrets among them) is never read, stored or logged.
 */
const planJson = z.object({
  format_version: z.string(),
  resource_changes: z.array(z.object({ address: z.string(), change: z.object({ actions: z.array(z.string()) }) }).loose()).default([]),
});

type Action = PlanSummary['changes'][number]['action'];

function actionOf(actions: string[]): Action | null {
  const set = actions.join(',');
  if (set === 'create') return 'create';
  if (set === 'update') return 'update';
  if (set === 'delete') return 'delete';
  if (set === 'delete,create' || set === 'create,delete') return 'replace';
  return null;
}

/** Destroys first, then replacements: what an approver must not miss. */
const ORDER: Record<Action, number> = { delete: 0, replace: 1, update: 2, create: 3 };
export const MAX_LISTED_CHANGES = 30;

export function summariseChanges(tool: string, target: string, changes: Array<{ action: Action; address: string }>): PlanSummary {
  const counts = { create: 0, update: 0, delete: 0, replace: 0 };
  for (const c of changes) counts[c.action]++;
  const sorted = [...changes].sort((a, b) => ORDER[a.action] - ORDER[b.action] || a.address.localeCompare(b.address));
  return {
    tool,
    target,
    counts,
    changes: sorted.slice(0, MAX_LISTED_CHANGES),
    omitted: Math.max(0, sorted.length - MAX_LISTED_CHANGES),
  };
}

/** Parses the plan document; a document that is not one is an upstream error naming what failed, not its content. */
export function parseTerraformPlan(text: string, target: string): PlanSummary {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new UpstreamError('terraform', '`show -json` did not print a JSON document', { retryable: false });
  }
  const parsed = planJson.safeParse(doc);
  if (!parsed.success) throw new UpstreamError('terraform', '`show -json` printed no plan (format_version missing)', { retryable: false });
  const changes = parsed.data.resource_changes.flatMap((rc) => {
    const action = actionOf(rc.change.actions);
    return action ? [{ action, address: rc.address }] : [];
  });
  return summariseChanges('terraform', target, changes);
}

/** One line for the run message: `+2 ~1 -1 ±1`. */
export function planLine(p: PlanSummary): string {
  const c = p.counts;
  if (!c.create && !c.update && !c.delete && !c.replace) return 'no changes';
  return `${c.create} to add, ${c.update} to change, ${c.delete} to destroy, ${c.replace} to replace`;
}
