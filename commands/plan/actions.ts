import { z } from 'zod';
import { defineAction, text, type ActionDef } from '../../src/core/edges.js';
import type { HomeService } from '../../src/core/home.js';
import type { ActionHandler } from '../../src/core/module.js';
import { ITEM_POLICY } from '../../src/domain/plan/authorize.js';
import type { PlanService } from '../../src/domain/plan/service.js';

/** Button action ids: `plan.to.<state>`, value = item id. */
export const MOVE_ACTION_PREFIX = 'plan.to.';
const MOVE_TARGETS = ['backlog', 'next', 'doing', 'done'] as const;
export type MoveTarget = (typeof MOVE_TARGETS)[number];
const itemId = text(z.string().regex(/^PLAN-\d+$/));
export const MOVE = Object.fromEntries(
  MOVE_TARGETS.map((to) => [to, defineAction({ id: `${MOVE_ACTION_PREFIX}${to}`, value: itemId })]),
) as Record<MoveTarget, ActionDef<string>>;

/**
 * One button per target state; a press moves the item and re-publishes the presser's Home. The
 * move goes through the same policy as `/plan move` (PlanService checks it).
 */
export function planMoveActions(plan: PlanService, home: HomeService): ActionHandler[] {
  return MOVE_TARGETS.map((to) =>
    MOVE[to].handler({
      permission: ITEM_POLICY,
      async handle(ctx) {
        try {
          await plan.move(ctx.value, to, ctx.actor);
        } finally {
          // Even a refused move (already moved elsewhere) should leave the board showing the truth.
          await home.refresh(ctx.actor.userId);
        }
      },
    }),
  );
}
