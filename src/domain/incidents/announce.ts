import { audienceFor } from './config.js';
import type { IncidentDeps } from './deps.js';
import type { Incident } from './model.js';

/**
 * The live announcement: one message per audience channel (stakeholders, related teams, NOC, help
 * desk, the announce channel) that always shows the incident as it is now. It is posted when the
 * incident is declared, edited once the incident channel exists (so it links it) and on every
 * severity, status or role change; a severity that brings new audiences posts it to them too.
 * Its key is the one the first announcement always had, so a redelivery posts nothing twice.
 */
export const announcementKey = (id: string, channel: string): string => `inc-${id}-declared-0-${channel}`;

/** Audience channels for the incident's current severity (the incident channel has its summary). */
export function announcementChannels(d: IncidentDeps, inc: Incident): string[] {
  const a = audienceFor(d.cfg, inc.services, inc.severity);
  const all = [...a.stakeholders, ...a.related, ...a.noc, ...a.helpdesk, ...(d.cfg.announce_channel ? [d.cfg.announce_channel] : [])];
  return [...new Set(all)].filter((c) => c !== inc.channel);
}

/**
 * Brings every live announcement up to date and posts it where the current severity's audience
 * has none yet. The channels are recorded before posting: a concurrent sync (the set-up job and
 * the declaration race) then edits rather than skips a message the other is about to post.
 */
export async function syncAnnouncements(d: IncidentDeps, id: string): Promise<string[]> {
  const now = await d.repo.get(id);
  if (!now) return [];
  const wanted = announcementChannels(d, now);
  const res = await d.repo.update(id, (c) => {
    const have = c.announcedTo ?? [];
    const add = wanted.filter((ch) => !have.includes(ch));
    return add.length ? { ...c, announcedTo: [...have, ...add] } : null;
  });
  const inc = res?.after ?? now;
  const already = new Set(res ? (res.before.announcedTo ?? []) : (inc.announcedTo ?? []));
  const content = d.presenter.announcement(inc);
  for (const channel of inc.announcedTo ?? []) {
    const key = announcementKey(id, channel);
    await d.ctx.chat.post({ channel, key, ...content }); // a no-op where it was posted
    if (already.has(channel)) await d.ctx.chat.update(key, content);
  }
  return inc.announcedTo ?? [];
}
