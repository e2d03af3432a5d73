import { UpstreamError } from '../../core/errors.js';
import { formatDuration } from '../../core/time.js';
import { audienceFor, type Responders } from './config.js';
import { JOB, jobId, type IncidentDeps } from './deps.js';
import type { HelpdeskEvent } from './helpdesk-port.js';
import { HELPDESK_JOB, type HelpdeskJob } from './helpdesk-job.js';
import { enqueueJob } from '../../core/ports/jobs.js';
import { isOpen, type Incident } from './model.js';
import type { BroadcastKind } from './presenter.js';
import { ESCALATE_JOB, REFRESH_JOB, REMIND_JOB } from './job-defs.js';

/**
 * Telling people: status updates to every audience, the help desk webhook, and the two timers
 * (update reminder, acknowledge escalation). Posts go through the durable outbox with keys, so a
 * retried caller posts each message once. How each message looks is the presenter's (deps.presenter).
 */

/** The incident channel, stakeholders (and related teams), NOC and help desk channels for it. */
export function broadcastChannels(d: IncidentDeps, inc: Incident, kind: BroadcastKind): string[] {
  const a = audienceFor(d.cfg, inc.services, inc.severity);
  const all = [...(inc.channel ? [inc.channel] : []), ...a.stakeholders, ...a.related, ...a.noc, ...a.helpdesk];
  if (kind === 'declared' && d.cfg.announce_channel) all.push(d.cfg.announce_channel);
  return [...new Set(all)];
}

export async function broadcast(
  d: IncidentDeps,
  inc: Incident,
  kind: BroadcastKind,
  seq: number,
  text: string,
  actor?: string,
): Promise<string[]> {
  const content = d.presenter.update(inc, kind, text, actor);
  const channels = broadcastChannels(d, inc, kind);
  for (const channel of channels) {
    await d.ctx.chat.post({ channel, key: `inc-${inc.id}-${kind}-${seq}-${channel}`, ...content });
  }
  return channels;
}

/** A line in the incident channel (no-op until the channel exists: the summary shows the state). */
export async function channelNote(d: IncidentDeps, inc: Incident, key: string, text: string): Promise<void> {
  if (!inc.channel) return;
  await d.ctx.chat.post({ channel: inc.channel, key: `inc-${inc.id}-${key}`, ...d.presenter.note(text) });
}

export async function notifyHelpdesk(d: IncidentDeps, inc: Incident, event: HelpdeskEvent['event'], message?: string): Promise<void> {
  if (!d.helpdesk) return;
  // One declaration per incident: its id must not change when a redelivery finishes announcing it.
  const deliveryId = jobId('hd', inc.id, event.replace('incident.', ''), event === 'incident.declared' ? 1 : inc.version);
  const payload: HelpdeskJob = {
    delivery_id: deliveryId,
    event,
    at: new Date(d.ctx.clock.now()).toISOString(),
    incident: {
      id: inc.id,
      title: inc.title,
      severity: inc.severity,
      status: inc.status,
      services: inc.services,
      ...(inc.roles.commander ? { commander: inc.roles.commander } : {}),
      ...(inc.channel ? { slack_channel: inc.channel } : {}),
      declared_at: new Date(inc.declaredAt).toISOString(),
      ...(inc.resolvedAt ? { resolved_at: new Date(inc.resolvedAt).toISOString() } : {}),
      tickets: inc.tickets,
    },
    ...(message ? { message } : {}),
  };
  await enqueueJob(d.ctx.jobs, HELPDESK_JOB, payload, { id: deliveryId });
}

/** Re-render topic and summary in a job (Slack calls stay out of the request path). */
export async function scheduleRefresh(d: IncidentDeps, inc: Incident, reason?: string): Promise<void> {
  await enqueueJob(d.ctx.jobs, REFRESH_JOB, { id: inc.id }, { id: jobId('refresh', inc.id, inc.version, ...(reason ? [reason] : [])) });
}

/** (Re)starts the update reminder: a new generation, the old timer is cancelled. */
export async function armReminder(d: IncidentDeps, id: string): Promise<void> {
  const res = await d.repo.update(id, (cur) => (cur.status === 'resolved' ? null : { ...cur, reminderGen: cur.reminderGen + 1 }));
  if (!res) return;
  const { after } = res;
  await d.ctx.jobs.cancel(JOB.remind, jobId('remind', id, after.reminderGen - 1)).catch(() => false);
  const delayMs = d.cfg.timers[after.severity].update_reminder;
  await enqueueJob(d.ctx.jobs, REMIND_JOB, { id, gen: after.reminderGen }, { id: jobId('remind', id, after.reminderGen), delayMs });
}

export async function cancelTimers(d: IncidentDeps, inc: Incident): Promise<void> {
  await d.ctx.jobs.cancel(JOB.remind, jobId('remind', inc.id, inc.reminderGen)).catch(() => false);
  await d.ctx.jobs.cancel(JOB.escalate, jobId('esc', inc.id, inc.escalationLevel + 1)).catch(() => false);
}

export async function armEscalation(d: IncidentDeps, inc: Incident, level: number): Promise<void> {
  const delayMs = d.cfg.timers[inc.severity].acknowledge_timeout;
  await enqueueJob(d.ctx.jobs, ESCALATE_JOB, { id: inc.id, level }, { id: jobId('esc', inc.id, level), delayMs });
}

/**
 * A severity change restarts a pending acknowledge timer with the new severity's interval (a SEV4
 * raised to SEV1 must not wait two hours to page). Only a timer still waiting is replaced.
 */
export async function rearmEscalation(d: IncidentDeps, inc: Incident): Promise<void> {
  if (inc.ackedAt || !isOpen(inc)) return;
  const level = inc.escalationLevel + 1;
  if (await d.ctx.jobs.cancel(JOB.escalate, jobId('esc', inc.id, level))) await armEscalation(d, inc, level);
}

/** Whether the incident's services name nobody to page, so the configured fallback applies. */
export function needsFallback(d: IncidentDeps, services: string[]): { oncall: boolean; escalation: boolean } {
  const empty = (r: Responders | undefined) => !r || r.users.length + r.groups.length + r.emails.length === 0;
  return {
    oncall: services.every((s) => empty(d.cfg.services[s]?.oncall)),
    escalation: services.every((s) => (d.cfg.services[s]?.escalation ?? []).every(empty)),
  };
}

export function escalationLevels(d: IncidentDeps, inc: Incident): Responders[] {
  if (needsFallback(d, inc.services).escalation) return d.cfg.fallback.escalation;
  const max = Math.max(0, ...inc.services.map((s) => d.cfg.services[s]?.escalation.length ?? 0));
  const out: Responders[] = [];
  for (let i = 0; i < max; i++) {
    const level: Responders = { users: [], groups: [], emails: [] };
    for (const s of inc.services) {
      const r = d.cfg.services[s]?.escalation[i];
      if (!r) continue;
      level.users.push(...r.users);
      level.groups.push(...r.groups);
      level.emails.push(...r.emails);
    }
    out.push(level);
  }
  return out;
}

/**
 * User ids of responders: users, user group members (through Slack), emails looked up. A group or
 * email Slack refuses for good (`no_such_subteam`, `missing_scope`) is left out and listed in
 * `unresolved`, so one stale entry does not keep everyone else from being paged.
 */
export async function resolveResponders(
  d: IncidentDeps,
  r: Responders,
  unresolved: Array<{ step: string; error: string }> = [],
): Promise<string[]> {
  const users = new Set(r.users);
  const soft = async (step: string, fn: () => Promise<void>) => {
    try {
      await fn();
    } catch (err) {
      if (!(err instanceof UpstreamError) || err.retryable) throw err;
      unresolved.push({ step, error: /: ([a-z0-9_]+)$/.exec(err.message)?.[1] ?? 'refused' });
    }
  };
  for (const g of r.groups)
    await soft(`on-call group ${g}`, async () => void (await d.ctx.access.groupMembers(g)).forEach((u) => users.add(u)));
  for (const e of r.emails) {
    await soft('on-call email lookup', async () => {
      const u = await d.ctx.chat.lookupByEmail(e);
      if (u) users.add(u);
      else d.ctx.log.warn({ service: 'incidents' }, 'an on-call email has no Slack user');
    });
  }
  return [...users];
}

/** On-call of the services, or the configured fallback when they name nobody (unknown service, none). */
export function oncallOf(d: IncidentDeps, services: string[]): Responders {
  if (needsFallback(d, services).oncall) return d.cfg.fallback.oncall;
  const out: Responders = { users: [], groups: [], emails: [] };
  for (const s of services) {
    const o = d.cfg.services[s]?.oncall;
    if (!o) continue;
    out.users.push(...o.users);
    out.groups.push(...o.groups);
    out.emails.push(...o.emails);
  }
  return out;
}

export const describeTimer = (ms: number): string => formatDuration(ms);
