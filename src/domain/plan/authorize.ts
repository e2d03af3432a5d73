import { AccessControl, type Actor } from '../../core/access.js';
import { mention } from '../../core/outbound.js';
import { policy } from '../../core/commands/spec.js';
import { ForbiddenError } from '../../core/errors.js';
import type { PlanItem } from './model.js';
import type { Team, Teams } from './teams.js';

/**
 * Who may change the plan. Adding an item is open to every member. An item is changed (moved,
 * assigned, linked, dropped) by its owner, by the team of its service (config/teams.yml) or by a
 * holder of `planner`; anyone may take an item nobody owns (assign it to themselves). Iterations
 * start and close by `planner`. Admins hold every role. A refusal is a ForbiddenError naming
 * `planner`; the routers audit it with that rule.
 */
export const PLANNER = 'planner';
export const RULE = `role:${PLANNER}`;
export const ITEM_POLICY = policy(`the item's owner, its service's team (config/teams.yml) or \`${PLANNER}\``);
export const ITERATION_POLICY = policy(`\`${PLANNER}\` to start or close one; showing them is open`);

export class PlanPolicy {
  constructor(
    private readonly teams: Teams,
    private readonly groupMembers: (groupId: string) => Promise<string[]>,
  ) {}

  team(service: string | undefined): Team | undefined {
    return service ? this.teams[service] : undefined;
  }

  async inTeam(userId: string, service: string | undefined): Promise<boolean> {
    const team = this.team(service);
    if (!team) return false;
    if (team.users.includes(userId)) return true;
    for (const g of team.groups) if ((await this.groupMembers(g)).includes(userId)) return true;
    return false;
  }

  /** `what` completes "may …": "move it", "drop it". `newOwner` lets anyone take an unowned item. */
  async requireItemChange(item: PlanItem, actor: Actor, what: string, newOwner?: string): Promise<void> {
    if (item.owner === actor.userId || AccessControl.has(actor, PLANNER)) return;
    if (!item.owner && newOwner === actor.userId) return;
    if (await this.inTeam(actor.userId, item.service)) return;
    const owner = item.owner ? `its owner (${mention(item.owner)})` : 'its owner';
    const team = item.service && this.team(item.service) ? `, the \`${item.service}\` team` : '';
    throw new ForbiddenError(`Only ${owner}${team} or a holder of the \`${PLANNER}\` role may ${what} (${item.id}).`, RULE, [
      `Ask ${item.owner ? mention(item.owner) : 'a planner'} to do it, or an admin to grant \`${PLANNER}\` in config/access.yml.`,
    ]);
  }

  requirePlanner(actor: Actor, what: string): void {
    AccessControl.require(actor, PLANNER, what);
  }
}
