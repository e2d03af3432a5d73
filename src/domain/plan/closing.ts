import type { Actor } from '../../core/access.js';
import type { AuditLog } from '../../core/audit.js';
import { ConflictError } from '../../core/errors.js';
import type { ChatMessages } from '../../core/ports/chat.js';
import type { Clock } from '../../core/ports/runtime.js';
import type { Services } from '../services.js';
import type { PlanPolicy } from './authorize.js';
import { REPEAT_CLOSE_MINUTES, type PlanConfig } from './config.js';
import type { Iterations } from './iterations.js';
import type { Iteration } from './model.js';
import type { PlanRepo } from './repo.js';
import type { PlanPresenter } from './presenter.js';
import { summarize, type IterationSummary } from './summary.js';

export interface CloseDeps {
  iterations: Iterations;
  repo: PlanRepo;
  services: Services;
  chat: ChatMessages;
  audit: AuditLog;
  policy: PlanPolicy;
  clock: Clock;
  cfg: PlanConfig;
  present: Pick<PlanPresenter, 'iterationSummary'>;
}

export interface CloseRequest {
  actor: Actor;
  channel: string;
  /** Name of the iteration to start (`/plan iteration start`). */
  name?: string;
  days?: number;
  /**
   * How the person said which iteration to close: `named` (an iteration id or name: a repeat finds
   * it closed and closes nothing else), `bare` (`/plan iteration close`: the current one, unless a
   * bare close just started it) or `start` (`/plan iteration start`, deliberate).
   */
  closes: { named: Iteration } | 'bare' | 'start';
}

/**
 * Closes the current iteration (unfinished items roll into the new current one) and posts the
 * summary in `channel`. Used by `/plan iteration close` and `/plan iteration start`. Safe to retry:
 * a close that stopped half-way is finished (summary posted once, counts saved last) by the next
 * call instead of a second iteration being closed; `resumed` tells the caller which happened.
 * Typed twice by mistake, a close never closes the brand-new iteration: a named close names the
 * one it closes, and a bare close repeated within `repeatCloseMinutes` is refused.
 */
export async function closeIteration(deps: CloseDeps, o: CloseRequest): Promise<IterationSummary & { resumed: boolean }> {
  deps.policy.requirePlanner(o.actor, o.closes === 'start' ? 'start an iteration' : 'close an iteration');
  const actor = o.actor.userId;
  if (o.closes === 'bare') await refuseRepeat(deps);
  const expect = typeof o.closes === 'object' ? o.closes.named.id : undefined;
  const { closed, next, resumed } = await deps.iterations.rollover(actor, {
    ...(o.name !== undefined ? { name: o.name } : {}),
    ...(o.days !== undefined ? { days: o.days } : {}),
    ...(expect !== undefined ? { expect } : {}),
  });
  if (!resumed && o.closes !== 'start') await deps.repo.setLastClose({ closed: closed.id, next: next.id, at: deps.clock.now(), actor });
  const summary = await summarize(deps, { closed, next, closedAt: closed.closedAt ?? next.startAt });
  await deps.chat.post({
    channel: o.channel,
    key: `plan-summary-${closed.id}`,
    ...deps.present.iterationSummary(summary, closed.closedBy ?? actor),
  });
  await deps.iterations.save({ ...closed, counts: summary.counts });
  await deps.audit.record({
    actor,
    action: 'plan iteration close',
    outcome: 'ok',
    channel: o.channel,
    target: closed.name,
    detail:
      `${resumed ? 'finished an interrupted close; ' : ''}next ${next.name}; ` +
      `done ${summary.counts.done}, shipped ${summary.counts.shipped}, rolled over ${summary.counts.rolledOver}`,
  });
  return { ...summary, resumed };
}

/** A bare close soon after the bare close that started the current iteration is a double close. */
async function refuseRepeat(deps: CloseDeps): Promise<void> {
  const last = await deps.repo.lastClose();
  const cur = await deps.iterations.current();
  const windowMs = (deps.cfg.repeatCloseMinutes ?? REPEAT_CLOSE_MINUTES) * 60_000;
  if (!last || last.next !== cur.id || deps.clock.now() - last.at >= windowMs || cur.closedAt !== undefined) return;
  const closed = (await deps.iterations.recent(10)).find((i) => i.id === last.closed);
  const secs = Math.max(1, Math.round((deps.clock.now() - last.at) / 1000));
  throw new ConflictError(
    `*${closed?.name ?? 'The last iteration'}* was closed ${secs < 120 ? `${secs} s` : `${Math.round(secs / 60)} min`} ago ` +
      `and *${cur.name}* started then; this looks like the same close typed twice, so nothing was closed.`,
    [`To close *${cur.name}* as well, name it: \`/plan iteration close "${cur.name}"\` (or \`/plan iteration close ${cur.id}\`).`],
  );
}

/** A named close of an iteration that is already closed: nothing to do (the answer says so). */
export function alreadyClosed(it: Iteration): boolean {
  return it.closedAt !== undefined && it.counts !== undefined;
}
