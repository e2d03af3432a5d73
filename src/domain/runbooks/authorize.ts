import { AccessControl, type Actor } from '../../core/access.js';
import { ForbiddenError } from '../../core/errors.js';
import { subteam } from '../../core/outbound.js';
import type { RunbookDef } from './schema.js';

/**
 * Who may run a runbook and press its buttons: admins, holders of one of its roles, members of
 * one of its user groups (looked up through the cached group membership of AccessControl).
 */
export async function authorizeRunbook(
  access: Pick<AccessControl, 'groupMembers'>,
  def: Pick<RunbookDef, 'name' | 'allow'>,
  actor: Actor,
  what: string,
): Promise<void> {
  if (AccessControl.has(actor, 'admin') || def.allow.roles.some((r) => AccessControl.has(actor, r))) return;
  for (const g of def.allow.groups) if ((await access.groupMembers(g)).includes(actor.userId)) return;
  const who = [...def.allow.roles.map((r) => `the \`${r}\` role`), ...def.allow.groups.map((g) => `members of ${subteam(g)}`)];
  throw new ForbiddenError(`You may not ${what}: runbook *${def.name}* is open to ${who.join(', ')}.`, `runbook:${def.name}`, [
    'Ask whoever owns the runbook file to add your role or group under `allow:`.',
  ]);
}
