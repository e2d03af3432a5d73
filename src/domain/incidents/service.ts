import { enqueueJob } from '../../core/ports/jobs.js';
import type { Actor } from '../../core/access.js';
import { InvalidStateError, NotFoundError, UsageError } from '../../core/errors.js';
import { EVENTS } from '../contracts.js';
import { authorizeIncident, type IncidentAct } from './authorize.js';
import { SEVERITIES, type Severity } from './config.js';
import { jobId, type IncidentDeps } from './deps.js';
import {
  ROLE_LABEL,
  isOpen,
  type Incident,
  type IncidentRole,
  type IncidentSource,
  type IncidentStatus,
  type TimelineEntry,
} from './model.js';
import { syncAnnouncements } from './announce.js';
import { inviteResponders } from './invite.js';
import {
  armEscalation,
  armReminder,
  broadcast,
  rearmEscalation,
  cancelTimers,
  channelNote,
  notifyHelpdesk,
  oncallOf,
  scheduleRefresh,
} from './notify.js';
import { mention } from '../../core/outbound.js';
import { recordAck } from './acknowledge.js';
import { SETUP_JOB } from './job-defs.js';

export interface DeclareInput {
  title: string;
  severity: Severity;
  services: string[];
  description?: string;
  source: IncidentSource;
  /** The person who declared (user id) or the system (`alertmanager`, `helpdesk`). */
  declaredBy: string;
  commander?: string;
  /** Outside key that makes a redelivery return the same incident. */
  dedupe: { source: string; key: string };
  alertGroupKey?: string;
  ticket?: string;
}

/**
 * The incident lifecycle: declare, roles, severity, status, acknowledge, updates and notes.
 * Every change goes through the repo's atomic update, lands on the timeline, refreshes the
 * channel's topic and summary (a job) and tells whoever must know.
 */
export class IncidentService {
  constructor(private readonly d: IncidentDeps) {}

  private get now(): number {
    return this.d.ctx.clock.now();
  }

  async require(id: string): Promise<Incident> {
    const inc = await this.d.repo.get(id);
    if (!inc) throw new NotFoundError('incident', id, await this.d.repo.openIds());
    return inc;
  }

  /** The incident named, or the one whose channel the command was typed in. */
  async target(id: string | undefined, channel: string | undefined): Promise<Incident> {
    if (id) return this.require(id);
    const byChannel = channel ? await this.d.repo.byChannel(channel) : null;
    if (byChannel) return this.require(byChannel);
    throw new UsageError('Name the incident (`--id INC-42`) or run this in its channel.', [
      `Open incidents: ${(await this.d.repo.openIds()).sort().join(', ') || 'none'}`,
    ]);
  }

  checkServices(services: string[]): void {
    const known = Object.keys(this.d.cfg.services);
    for (const s of services) if (!this.d.cfg.services[s]) throw new NotFoundError('service', s, known);
  }

  async declare(input: DeclareInput): Promise<{ incident: Incident; created: boolean }> {
    this.checkServices(input.services);
    const title = input.title.trim().replace(/\s+/g, ' ').slice(0, 150);
    if (!title) throw new UsageError('An incident needs a title.');
    const { id, created } = await this.d.repo.once(input.dedupe.source, input.dedupe.key, () => this.create({ ...input, title }));
    const incident = await this.require(id);
    // A duplicate may follow a delivery that stopped after recording the incident: finish what it
    // did not send, and make sure the channel set-up was queued (the job id makes this a no-op).
    if (!created && incident.announcePending) await this.announce(incident);
    else if (!created && !incident.setup.ready) await enqueueJob(this.d.ctx.jobs, SETUP_JOB, { id }, { id: jobId('setup', id) });
    return { incident, created };
  }

  private async create(input: DeclareInput): Promise<string> {
    const { repo, ctx } = this.d;
    const n = await repo.nextNumber();
    const id = `INC-${n}`;
    const at = this.now;
    const commander = input.commander ?? (input.source === 'slack' ? input.declaredBy : oncallOf(this.d, input.services).users[0]);
    const inc: Incident = {
      id,
      number: n,
      title: input.title,
      ...(input.description ? { description: input.description.slice(0, 2000) } : {}),
      severity: input.severity,
      status: 'investigating',
      services: [...new Set(input.services)],
      source: input.source,
      declaredBy: input.declaredBy,
      declaredAt: at,
      roles: commander ? { commander } : {},
      setup: {},
      escalationLevel: 0,
      reminderGen: 0,
      lastUpdateAt: at,
      updates: 0,
      tickets: input.ticket ? [input.ticket] : [],
      ...(input.alertGroupKey ? { alertGroupKey: input.alertGroupKey } : {}),
      announcePending: true,
      version: 1,
    };
    await repo.create(inc);
    // Recorded at once, so a failure in the steps below cannot let a redelivery open a second one.
    await repo.setDedupe(input.dedupe.source, input.dedupe.key, id);
    await repo.addTimeline(id, {
      at,
      kind: 'declared',
      actor: input.declaredBy,
      text: `Declared ${inc.severity} "${inc.title}" (${inc.services.join(', ') || 'no service'}) from ${input.source}`,
    });
    if (commander) await repo.addTimeline(id, { at, kind: 'role', actor: input.declaredBy, text: `Commander: ${mention(commander)}` });
    await this.announce(inc);
    ctx.log.info({ incident: id, severity: inc.severity, source: inc.source }, 'incident declared');
    return id;
  }

  /**
   * What a declaration sets going: channel set-up, timers, announcements, the help desk and
   * `incident.declared`. Every step is idempotent (job ids, message keys, delivery id) and the
   * pending flag is cleared last, so a redelivery finishes a declaration that stopped half-way.
   */
  private async announce(inc: Incident): Promise<void> {
    const { ctx, repo } = this.d;
    await enqueueJob(ctx.jobs, SETUP_JOB, { id: inc.id }, { id: jobId('setup', inc.id) });
    if (inc.reminderGen === 0) await armReminder(this.d, inc.id);
    if (inc.escalationLevel === 0 && !inc.ackedAt) await armEscalation(this.d, inc, 1);
    await syncAnnouncements(this.d, inc.id);
    await notifyHelpdesk(this.d, inc, 'incident.declared', inc.description);
    await ctx.events.publish(EVENTS.incidentDeclared, inc.id, {
      incidentId: inc.id,
      title: inc.title,
      severity: inc.severity,
      services: inc.services,
      declaredBy: inc.declaredBy,
      source: inc.source,
    });
    await repo.update(inc.id, ({ announcePending, ...cur }) => (announcePending ? cur : null));
  }

  /** The policy in authorize.ts; public for callers that open a form before acting. */
  async authorize(inc: Incident, actor: Actor, act: IncidentAct): Promise<void> {
    await authorizeIncident(this.d, inc, actor, act);
  }

  private requireOpen(inc: Incident): void {
    if (!isOpen(inc)) throw new InvalidStateError(`${inc.id} is resolved.`, ['Declare a new incident if the problem is back.']);
  }

  private async entry(id: string, e: Omit<TimelineEntry, 'at'>): Promise<void> {
    await this.d.repo.addTimeline(id, { at: this.now, ...e });
  }

  async setRole(id: string, role: IncidentRole, user: string, actor: Actor): Promise<Incident> {
    const inc = await this.require(id);
    this.requireOpen(inc);
    await this.authorize(inc, actor, 'role');
    const res = await this.d.repo.update(id, (cur) =>
      cur.roles[role] === user ? null : { ...cur, roles: { ...cur.roles, [role]: user } },
    );
    if (!res) return inc;
    await this.entry(id, { kind: 'role', actor: actor.userId, text: `${ROLE_LABEL[role]}: ${mention(user)}` });
    if (res.after.channel) await inviteResponders(this.d, res.after, [user], `role-${res.after.version}`);
    await channelNote(
      this.d,
      res.after,
      `role-${res.after.version}`,
      `:busts_in_silhouette: ${mention(actor.userId)} made ${mention(user)} ${ROLE_LABEL[role].toLowerCase()}.`,
    );
    await scheduleRefresh(this.d, res.after);
    return res.after;
  }

  async setSeverity(id: string, severity: Severity, actor: Actor): Promise<Incident> {
    if (!SEVERITIES.includes(severity)) throw new UsageError(`Severity must be one of ${SEVERITIES.join(', ')}.`);
    const inc = await this.require(id);
    this.requireOpen(inc);
    await this.authorize(inc, actor, 'severity');
    const res = await this.d.repo.update(id, (cur) => (cur.severity === severity ? null : { ...cur, severity }));
    if (!res) return inc;
    await this.entry(id, { kind: 'severity', actor: actor.userId, text: `Severity ${res.before.severity} → ${severity}` });
    await channelNote(
      this.d,
      res.after,
      `sev-${res.after.version}`,
      `:rotating_light: ${mention(actor.userId)} changed severity ${res.before.severity} → *${severity}*.`,
    );
    await armReminder(this.d, id);
    await rearmEscalation(this.d, res.after);
    await scheduleRefresh(this.d, res.after);
    await notifyHelpdesk(this.d, res.after, 'incident.severity_changed');
    await this.d.ctx.events.publish(EVENTS.incidentSeverityChanged, `${id}-sev-${res.after.version}`, {
      incidentId: id,
      title: res.after.title,
      services: res.after.services,
      from: res.before.severity,
      to: severity,
      by: actor.userId,
    });
    return res.after;
  }

  async setStatus(id: string, status: Exclude<IncidentStatus, 'resolved'>, actor: Actor): Promise<Incident> {
    const inc = await this.require(id);
    this.requireOpen(inc);
    await this.authorize(inc, actor, 'status');
    const res = await this.d.repo.update(id, (cur) => (cur.status === status || !isOpen(cur) ? null : { ...cur, status }));
    if (!res) return inc;
    await this.entry(id, { kind: 'status', actor: actor.userId, text: `Status ${res.before.status} → ${status}` });
    await channelNote(
      this.d,
      res.after,
      `status-${res.after.version}`,
      `:traffic_light: ${mention(actor.userId)} changed status ${res.before.status} → *${status}*.`,
    );
    await scheduleRefresh(this.d, res.after);
    await notifyHelpdesk(this.d, res.after, 'incident.status_changed');
    return res.after;
  }

  async acknowledge(id: string, actor: Actor): Promise<{ incident: Incident; first: boolean }> {
    const inc = await this.require(id);
    this.requireOpen(inc);
    await this.authorize(inc, actor, 'acknowledge');
    return recordAck(this.d, inc, actor.userId);
  }

  /**
   * An acknowledgement made in a paging tool, whose webhook proved its sender (no Slack role to
   * check). The event says where it came from, so the tool is not told again.
   */
  async acknowledgeFrom(
    id: string,
    via: { system: string; user?: string; name?: string },
  ): Promise<{ incident: Incident; first: boolean }> {
    const inc = await this.require(id);
    if (!isOpen(inc)) return { incident: inc, first: false };
    return recordAck(this.d, inc, via.user ?? via.system.toLowerCase(), via);
  }

  async postUpdate(id: string, text: string, actor: Actor): Promise<{ incident: Incident; channels: string[] }> {
    const clean = text.trim();
    if (!clean) throw new UsageError('The update needs some text: `/incident update "what we know"`.');
    const inc = await this.require(id);
    this.requireOpen(inc);
    await this.authorize(inc, actor, 'update');
    const at = this.now;
    const res = await this.d.repo.update(id, (cur) => ({ ...cur, updates: cur.updates + 1, lastUpdateAt: at }));
    const after = res?.after ?? inc;
    await this.entry(id, { kind: 'update', actor: actor.userId, text: clean.slice(0, 2000) });
    const channels = await broadcast(this.d, after, 'update', after.updates, clean.slice(0, 2000), actor.userId);
    await armReminder(this.d, id);
    await notifyHelpdesk(this.d, after, 'incident.updated', clean.slice(0, 2000));
    const seq = after.updates;
    await this.d.ctx.events.publish(EVENTS.incidentUpdated, `${id}-${seq}`, {
      incidentId: id,
      seq,
      text: clean.slice(0, 2000),
      by: actor.userId,
    });
    return { incident: after, channels };
  }

  async addNote(id: string, text: string, actor: string, ref?: { channel: string; ts: string }): Promise<Incident> {
    const clean = text.trim();
    if (!clean && !ref) throw new UsageError('The note needs some text: `/incident note "what happened"`.');
    const inc = await this.require(id);
    const entry: TimelineEntry = { at: this.now, kind: 'note', actor, text: clean.slice(0, 2000) || 'a message', ...(ref ? { ref } : {}) };
    if (ref) await this.d.repo.addTimelineOnce(id, `msg-${ref.channel}-${ref.ts}`, entry);
    else await this.d.repo.addTimeline(id, entry);
    return inc;
  }

  /**
   * Resolve bookkeeping; the postmortem and announcements live in resolve.ts. A resolved incident
   * without its postmortem is a resolve that stopped half-way: it is handed back (`first: false`,
   * the recorded resolution) so the caller finishes it; one with a postmortem is refused.
   */
  async markResolved(id: string, resolution: string, followUps: string[], actor: Actor): Promise<{ incident: Incident; first: boolean }> {
    const inc = await this.require(id);
    await this.requireResolvable(inc);
    await this.authorize(inc, actor, 'resolve');
    const at = this.now;
    const res = await this.d.repo.update(id, (cur) =>
      isOpen(cur)
        ? { ...cur, status: 'resolved', resolvedAt: at, resolvedBy: actor.userId, resolution: resolution.slice(0, 2000), followUps }
        : null,
    );
    const after = res?.after ?? (await this.require(id));
    if (!res) await this.requireResolvable(after);
    await cancelTimers(this.d, after);
    await this.d.repo.addTimelineOnce(id, 'resolved', {
      at: after.resolvedAt ?? at,
      kind: 'resolved',
      actor: after.resolvedBy ?? actor.userId,
      text: `Resolved: ${(after.resolution ?? resolution).slice(0, 500)}`,
    });
    return { incident: after, first: Boolean(res) };
  }

  /** Open, or resolved by a resolve that stopped before writing the postmortem. */
  async requireResolvable(inc: Incident): Promise<void> {
    if (!isOpen(inc) && (await this.d.repo.postmortem(inc.id)) !== null)
      throw new InvalidStateError(`${inc.id} is already resolved.`, [`Its postmortem draft: \`/incident show ${inc.id} --postmortem\``]);
  }
}
