import { mention } from '../../core/outbound.js';
import type { InviteResult } from '../../core/ports/chat.js';
import type { IncidentDeps } from './deps.js';
import type { Incident } from './model.js';

/** What Slack's per-invitee refusals mean, for the timeline and the channel note. */
const WHY: Record<string, string> = {
  ura_max_channels: 'a single-channel guest already in another channel',
  user_not_found: 'no such active user (deactivated or left)',
  user_disabled: 'deactivated',
  user_is_restricted: 'a guest account the bot may not invite',
  user_is_ultra_restricted: 'a single-channel guest',
  cant_invite: 'Slack does not allow inviting them here',
  invitee_cant_see_channel: 'cannot see this channel',
  no_external_invite_permission: 'an external user',
};

export function refusalText(r: { user: string; error: string }): string {
  return `${mention(r.user)} (${WHY[r.error] ?? 'refused'}: \`${r.error}\`)`;
}

/**
 * Invites responders into the incident channel. Slack refusing one of them (a guest, someone who
 * left) does not hold back the others: the refusals come back and are written on the timeline
 * once under `onceKey`, so responders know whom to reach another way.
 */
export async function inviteResponders(d: IncidentDeps, inc: Incident, users: string[], onceKey: string): Promise<InviteResult> {
  if (!inc.channel || !users.length) return { invited: [], failed: [] };
  const res = await d.ctx.chat.invite(inc.channel, users);
  if (res.failed.length) {
    d.ctx.log.warn({ incident: inc.id, refused: res.failed.map((f) => f.error) }, 'Slack refused to invite some responders');
    await d.repo.addTimelineOnce(inc.id, `not-invited-${onceKey}`, {
      at: d.ctx.clock.now(),
      kind: 'join',
      text: `Could not invite ${res.failed.map(refusalText).join(', ')}`,
    });
  }
  return res;
}
