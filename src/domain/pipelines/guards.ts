import { AccessControl } from '../../core/access.js';
import type { AppContext } from '../../core/module.js';
import { deployGuards, servicesOf } from '../services.js';
import type { Announcer } from './announce.js';
import type { RunDoc } from './model.js';

/**
 * The deploy guards (change freezes, open SEV1/SEV2 incidents of the service) asked again while a
 * run goes on, not only when it is created: a freeze declared while a run waits at its gate or in
 * the queue behind the deploy lock must stop it before it deploys. They are asked
 *
 * - when a queued run is handed the lock (`promoted`),
 * - when a deploying stage starts (`stage`): every stage that needs another one, which includes
 *   an approval gate opening and everything after it. Stages without `needs` start together with
 *   the run, right after its own check, so they are not asked twice;
 * - when a gate is approved (`approved`), before the run goes on.
 *
 * An admin's `--override "reason"` given at the start still counts at every step (audited once
 * per run, guard and step); someone else's run is stopped and says by which guard and why.
 */
export type GuardPoint = 'promoted' | 'stage' | 'approved';

export interface GuardStop {
  guard: string;
  reason: string;
  overridable: boolean;
}

const AUDIT_ONCE_MS = 90 * 86_400_000;

export class RunGuards {
  constructor(private readonly ctx: Pick<AppContext, 'services' | 'access' | 'audit' | 'clock' | 'store' | 'log'>) {}

  /** Null when every guard lets the run go on. */
  async check(doc: RunDoc, point: GuardPoint, stageId?: string): Promise<GuardStop | null> {
    const guards = deployGuards(servicesOf(this.ctx));
    if (!guards.length) return null;
    const actor = await this.ctx.access.actor(doc.triggeredBy);
    const at = this.ctx.clock.now();
    for (const g of guards) {
      // The override reason is not handed on: the guard announced and audited the override when
      // the run was created; here it is honoured (an admin's run) and audited once per step.
      const v = await g.check({
        pipeline: doc.pipeline,
        service: doc.service,
        env: doc.env,
        actor,
        at,
        ...(doc.fixIncident ? { fixIncident: doc.fixIncident } : {}),
      });
      if (v.allowed) continue;
      const reason = v.reason ?? `refused by ${g.name}`;
      if (v.overridable && doc.overrideReason && AccessControl.has(actor, 'admin')) {
        const once = this.ctx.store.key('pipelines', 'override-audited', doc.id, g.name, point, stageId ?? '-');
        if (await this.ctx.store.claim(once, AUDIT_ONCE_MS)) {
          const checked = where(point, stageId);
          await this.ctx.audit.record({
            actor: doc.triggeredBy,
            action: 'pipeline.override',
            outcome: 'ok',
            target: `${doc.pipeline}/${doc.env}`,
            detail: `${g.name}: ${reason} — override reason: ${doc.overrideReason} (run ${doc.id}, checked again: ${checked})`,
          });
        }
        continue;
      }
      return { guard: g.name, reason, overridable: Boolean(v.overridable) };
    }
    return null;
  }

  /** The thread note of a stopped run: which guard, at which step, and how to go on. */
  async announceStop(announce: Announcer, doc: RunDoc, stop: GuardStop, point: GuardPoint, stageId?: string): Promise<void> {
    const hint = stop.overridable
      ? ` An admin can deploy anyway with \`/pipeline run ${doc.pipeline} --env ${doc.env} --override "reason"\` (audited).`
      : '';
    await announce.thread(
      doc,
      `guard-stop-${point}-${stageId ?? 'run'}`,
      `:octagonal_sign: Stopped ${where(point, stageId)} by ${stop.guard}: ${stop.reason}${hint}`,
    );
  }
}

export function stopSummary(stop: GuardStop): string {
  return `stopped by ${stop.guard}: ${stop.reason}`;
}

function where(point: GuardPoint, stageId?: string): string {
  if (point === 'promoted') return 'when it was handed the deploy lock';
  if (point === 'approved') return `after ${stageId ?? 'its gate'} was approved`;
  return `before ${stageId ?? 'a stage'} started`;
}
