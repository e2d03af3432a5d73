import { AccessControl, type Actor } from '../../core/access.js';
import { mention } from '../../core/outbound.js';
import { policy } from '../../core/commands/spec.js';
import { ForbiddenError } from '../../core/errors.js';
import { servicesOf } from '../services.js';
import type { IncidentDeps } from './deps.js';
import type { Incident } from './model.js';
import { escalationLevels, oncallOf } from './notify.js';

/**
 * Who may act on an incident. Declaring one and adding timeline notes are open to every member;
 * everything else is for the people running it:
 * - respond (acknowledge, `/incident update`, severity, status): its commander, its responders
 *   (anyone given a role on it, the on-call of its services, the escalation levels already paged)
 *   and holders of `incident-commander` (admins hold every role);
 * - lead (assign roles, resolve): its commander and holders of `incident-commander`, so a
 *   responder cannot make themselves commander.
 * A refusal is a ForbiddenError naming `incident-commander`; the routers audit it with that rule.
 */
export type IncidentAct = 'acknowledge' | 'update' | 'severity' | 'status' | 'role' | 'resolve';

const LEAD_ACTS: ReadonlySet<IncidentAct> = new Set(['role', 'resolve']);
export const ROLE = 'incident-commander';
export const RULE = `role:${ROLE}`;

export const RESPOND_POLICY = policy(`the incident's commander, its responders (a role on it, on-call, paged) or \`${ROLE}\``);
export const LEAD_POLICY = policy(`the incident's commander or \`${ROLE}\``);

const WHAT: Record<IncidentAct, string> = {
  acknowledge: 'acknowledge it',
  update: 'post its status updates',
  severity: 'change its severity',
  status: 'change its status',
  role: 'assign its roles',
  resolve: 'resolve it',
};

export async function authorizeIncident(d: IncidentDeps, inc: Incident, actor: Actor, act: IncidentAct): Promise<void> {
  if (inc.roles.commander === actor.userId || AccessControl.has(actor, ROLE)) return;
  if (!LEAD_ACTS.has(act) && (await isResponder(d, inc, actor.userId))) return;
  const who = LEAD_ACTS.has(act)
    ? `its commander${inc.roles.commander ? ` (${mention(inc.roles.commander)})` : ''}`
    : 'its commander, its responders (a role on it, on-call or paged)';
  throw new ForbiddenError(`Only ${who} or a holder of the \`${ROLE}\` role may ${WHAT[act]} (${inc.id}).`, RULE, [
    LEAD_ACTS.has(act)
      ? `Ask ${inc.id}'s commander, or an admin to grant \`${ROLE}\` in config/access.yml.`
      : `Ask ${inc.id}'s commander to give you a role (\`/incident role scribe @you\`), or an admin to grant \`${ROLE}\`.`,
  ]);
}

/**
 * A role on the incident, or on-call for one of its services, or in an escalation level already
 * paged. User ids and user groups are checked first (groups come from the shared cache); emails
 * are looked up only when nothing else matched, so the common case costs no Slack call.
 */
async function isResponder(d: IncidentDeps, inc: Incident, userId: string): Promise<boolean> {
  if (Object.values(inc.roles).includes(userId)) return true;
  const paged = [oncallOf(d, inc.services), ...escalationLevels(d, inc).slice(0, inc.escalationLevel)];
  if (paged.some((r) => r.users.includes(userId))) return true;
  for (const r of paged) for (const g of r.groups) if ((await d.ctx.access.groupMembers(g)).includes(userId)) return true;
  for (const r of paged) for (const e of r.emails) if ((await d.ctx.chat.lookupByEmail(e)) === userId) return true;
  // On call per a paging tool's schedule (cached by the paging module).
  return Boolean((await servicesOf(d.ctx).maybe('oncall')?.onCall(inc.services))?.users.includes(userId));
}
