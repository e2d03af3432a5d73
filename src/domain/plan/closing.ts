import type { AuditLog } from '../../core/audit.js';
import type { ChatPort } from '../../core/ports/chat.js';
import type { Services } from '../services.js';
import type { Iterations } from './iterations.js';
import type { PlanRepo } from './repo.js';
import { renderSummary, summarize, type IterationSummary } from './summary.js';

export interface CloseDeps {
  iterations: Iterations;
  repo: PlanRepo;
  services: Services;
  chat: ChatPort;
  audit: AuditLog;
}

/**
 * Closes the current iteration (unfinished items roll into the new current one) and posts the
 * summary in `channel`. Used by `/plan iteration close` and `/plan iteration start`. Safe to retry:
 * a close that stopped half-way is finished (summary posted once, counts saved last) by the next
 * call instead of a second iteration being closed; `resumed` tells the caller which happened.
 */
export async function closeIteration(deps: CloseDeps, o: { actor: string; channel: string; name?: string; days?: number }): Promise<IterationSummary & { resumed: boolean }> {
  const { closed, next, resumed } = await deps.iterations.rollover(o.actor, { ...(o.name !== undefined ? { name: o.name } : {}), ...(o.days !== undefined ? { days: o.days } : {}) });
  const summary = await summarize(deps, { closed, next, closedAt: closed.closedAt ?? next.startAt });
  await deps.chat.post({ channel: o.channel, key: `plan-summary-${closed.id}`, ...renderSummary(summary, closed.closedBy ?? o.actor) });
  await deps.iterations.save({ ...closed, counts: summary.counts });
  await deps.audit.record({
    actor: o.actor,
    action: 'plan iteration close',
    outcome: 'ok',
    channel: o.channel,
    target: closed.name,
    detail: `${resumed ? 'finished an interrupted close; ' : ''}next ${next.name}; done ${summary.counts.done}, shipped ${summary.counts.shipped}, rolled over ${summary.counts.rolledOver}`,
  });
  return { ...summary, resumed };
}
