import { AccessControl } from '../../core/access.js';
import { escapeUntrusted, mention } from '../../core/outbound.js';
import type { AppContext } from '../../core/module.js';
import type { DeployGuard, FreezeQueries, GuardVerdict } from '../contracts.js';
import { activeFreezeOf } from './freeze.js';
import type { ApprovalsFile } from './policy.js';
import { when } from './when.js';

const OVERRIDE_DEDUPE_MS = 60_000;

export function freezeQueries(file: ApprovalsFile): FreezeQueries {
  return {
    async activeFreeze(env, at) {
      const active = activeFreezeOf(file.freezes, env, at);
      return active ? { name: active.freeze.name, ...(active.until !== undefined ? { until: active.until } : {}) } : null;
    },
  };
}

/**
 * Refuses deployments to a frozen environment. An admin who states a reason passes; the override
 * is audited and announced here, once per request. The pipelines module asks again while the run
 * goes on (promotion from the queue, each deploying stage, a gate's approval) without the reason,
 * so a freeze that began meanwhile stops the run; it honours and audits the admin's override
 * itself (src/domain/pipelines/guards.ts).
 */
export function freezeGuard(ctx: AppContext, file: ApprovalsFile): DeployGuard {
  return {
    name: 'change-freeze',
    async check(req): Promise<GuardVerdict> {
      const active = activeFreezeOf(file.freezes, req.env, req.at);
      if (!active) return { allowed: true };
      const { freeze, until } = active;
      const what =
        `Change freeze \`${freeze.name}\` is in effect for ${req.env}` +
        `${until !== undefined ? ` until ${when(until)}` : ''} (${freeze.timeZone})`;
      const reason = req.overrideReason?.trim();
      if (reason && AccessControl.has(req.actor, 'admin')) {
        await announceOverride(ctx, file, { ...req, reason, freezeName: freeze.name });
        return { allowed: true, reason: `${what}; overridden by ${mention(req.actor.userId)}: ${escapeUntrusted(reason)}` };
      }
      if (reason) {
        await ctx.audit.record({
          actor: req.actor.userId,
          action: 'freeze.override',
          outcome: 'refused',
          target: `${req.pipeline} ${req.env}`,
          detail: `freeze ${freeze.name}; rule admin-only; reason: ${reason}`,
        });
      }
      // The pipelines module adds who may override and how.
      return { allowed: false, reason: `${what}.`, overridable: true };
    },
  };
}

async function announceOverride(
  ctx: AppContext,
  file: ApprovalsFile,
  o: { pipeline: string; service: string; env: string; actor: { userId: string }; reason: string; freezeName: string },
): Promise<void> {
  const dedupe = ctx.store.key('approval', 'freeze-override', o.freezeName, o.actor.userId, o.pipeline, o.env);
  if (!(await ctx.store.claim(dedupe, OVERRIDE_DEDUPE_MS))) return;
  await ctx.audit.record({
    actor: o.actor.userId,
    action: 'freeze.override',
    outcome: 'ok',
    target: `${o.pipeline} ${o.env}`,
    detail: `freeze ${o.freezeName}; service ${o.service}; reason: ${o.reason}`,
  });
  const freeze = file.freezes.find((f) => f.name === o.freezeName);
  const channel = freeze?.announce ?? file.environments[o.env]?.channel;
  if (!channel) return;
  const n = await ctx.store.incr(ctx.store.key('approval', 'freeze-override-seq'));
  await ctx.chat.post({
    channel,
    key: `freeze-override-${n}`,
    text:
      `:rotating_light: ${mention(o.actor.userId)} overrode the change freeze \`${o.freezeName}\` ` +
      `to deploy *${escapeUntrusted(o.service)}* (\`${o.pipeline}\`) to *${escapeUntrusted(o.env)}*. ` +
      `Reason: “${escapeUntrusted(o.reason)}”`,
  });
}
