import { z } from 'zod';
import type { Actor } from '../../core/access.js';
import { InvalidStateError, NotFoundError, UpstreamError, UsageError, PermanentJobError } from '../../core/errors.js';
import { subscribe } from '../../core/events.js';
import type { Subscription } from '../../core/events.js';
import type { AppContext } from '../../core/module.js';
import { mention } from '../../core/outbound.js';
import { defineJob, enqueueJob, jobProcessor, type JobContext, type JobProcessor } from '../../core/ports/jobs.js';
import { EVENTS, type IncidentSummary } from '../contracts.js';
import { servicesOf } from '../services.js';
import type { StatuspageConfig } from './config.js';
import type { ComponentStatus, PageIncidentFields, StatuspageApi } from './port.js';

/**
 * Publishing an incident to the customer-facing Statuspage. A publish is stored (the text a person
 * typed stays in Redis, the job carries ids) and sent by a job, so a Statuspage outage neither
 * blocks the command nor loses the update: the failure is told in the incident channel once and
 * the job retries. The first publish creates the page incident, later ones update it, and
 * resolving the Switchyard incident resolves it (components back to operational).
 */
export const PUBLISH_JOB = defineJob('statuspage.publish', z.object({ publishId: z.string(), incidentId: z.string() }));
export const RESOLVE_JOB = defineJob('statuspage.resolve', z.object({ incidentId: z.string() }));

interface Publication {
  incidentId: string;
  channel: string;
  by: string;
  name: string;
  body: string;
  status: PageIncidentFields['status'];
  component?: { service: string; id: string; status: ComponentStatus };
}

/** What the page knows of one Switchyard incident. */
interface PageRecord {
  pageIncidentId?: string;
  /** Components this incident changed: set back to operational when it resolves. */
  components: string[];
  /** Publications queued and not yet sent (resolving waits for them). */
  pending: string[];
  resolved?: boolean;
}

export interface PublishRequest {
  incident: IncidentSummary;
  message: string;
  title?: string;
  component?: string;
  componentStatus?: ComponentStatus;
  actor: Actor;
  requestId: string;
}

export interface StatuspageDeps {
  ctx: AppContext;
  cfg: StatuspageConfig;
  api: StatuspageApi;
  /** Tries per publish and the backoff base between them. */
  retry: { attempts: number; backoffMs: number };
}

const KEEP_MS = 90 * 24 * 60 * 60_000;
const jobIdOf = (...parts: string[]) => parts.join('-').replace(/[^\w-]/g, '_');

export class StatuspagePublisher {
  constructor(private readonly d: StatuspageDeps) {}

  private key(...parts: string[]): string {
    return this.d.ctx.store.key('statuspage', ...parts);
  }

  /** The open incident a command names (`--id`) or whose channel it is typed in. */
  async incidentFor(id: string | undefined, channel: string): Promise<IncidentSummary> {
    const incidents = servicesOf(this.d.ctx).get('incidents');
    const inc = id ? await incidents.get(id) : (await incidents.openIncidents()).find((i) => i.channel === channel);
    if (!inc)
      throw id ? new NotFoundError('incident', id) : new UsageError('This channel belongs to no open incident; give `--id INC-42`.');
    if (inc.status === 'resolved') throw new InvalidStateError(`${inc.id} is resolved; its status page incident was resolved with it.`);
    return inc;
  }

  /** What a publish would send, checked against the configuration (the component must be mapped). */
  draft(r: Omit<PublishRequest, 'actor' | 'requestId'>): Omit<Publication, 'by' | 'channel'> & { update: boolean } {
    if (r.componentStatus && !r.component) throw new UsageError('`--status` sets a component: give `--component <service>` too.');
    let component: Publication['component'];
    if (r.component) {
      const id = this.d.cfg.components[r.component];
      if (!id) throw new NotFoundError('status page component for service', r.component, Object.keys(this.d.cfg.components));
      component = { service: r.component, id, status: r.componentStatus ?? 'degraded_performance' };
    }
    const status = r.incident.status === 'resolved' ? 'monitoring' : r.incident.status;
    return {
      incidentId: r.incident.id,
      name: r.title ?? r.incident.title,
      body: r.message,
      status,
      ...(component ? { component } : {}),
      update: false,
    };
  }

  async isPublished(incidentId: string): Promise<boolean> {
    return Boolean((await this.d.ctx.store.getJson<PageRecord>(this.key('incident', incidentId)))?.pageIncidentId);
  }

  /** Stores the publication and queues it; the same request id queues it once. */
  async publish(r: PublishRequest): Promise<string> {
    const { update: _update, ...pub } = this.draft(r);
    const publishId = jobIdOf(r.incident.id, r.requestId).slice(0, 120);
    const stored: Publication = { ...pub, by: r.actor.userId, channel: r.incident.channel ?? '' };
    await this.d.ctx.store.setJson(this.key('publish', publishId), stored, { ttlMs: KEEP_MS, onlyIfAbsent: true });
    await this.record(r.incident.id, (rec) => ({ ...rec, pending: [...new Set([...rec.pending, publishId])] }));
    await enqueueJob(this.d.ctx.jobs, PUBLISH_JOB, { publishId, incidentId: r.incident.id }, { id: `sp-${publishId}` });
    return publishId;
  }

  private record(incidentId: string, fn: (r: PageRecord) => PageRecord): Promise<PageRecord | null> {
    return this.d.ctx.store.update<PageRecord>(this.key('incident', incidentId), (cur) => fn(cur ?? { components: [], pending: [] }), {
      ttlMs: KEEP_MS,
    });
  }

  processors(): JobProcessor[] {
    const { attempts, backoffMs } = this.d.retry;
    return [
      jobProcessor(PUBLISH_JOB, {
        attempts,
        backoffMs,
        concurrency: 1,
        process: (data, job) => this.send(data.publishId, data.incidentId, job),
      }),
      jobProcessor(RESOLVE_JOB, { attempts, backoffMs, concurrency: 1, process: (data, job) => this.resolve(data.incidentId, job) }),
    ];
  }

  subscriptions(): Subscription[] {
    return [
      subscribe(EVENTS.incidentResolved, 'statuspage.resolve', async (e) => {
        const rec = await this.d.ctx.store.getJson<PageRecord>(this.key('incident', e.data.incidentId));
        if (!rec || rec.resolved || (!rec.pageIncidentId && !rec.pending.length)) return;
        await enqueueJob(this.d.ctx.jobs, RESOLVE_JOB, { incidentId: e.data.incidentId }, { id: jobIdOf('sp-resolve', e.data.incidentId) });
      }),
    ];
  }

  /**
   * One publish of an incident at a time across processes: two publishes racing before the page
   * incident exists would otherwise create it twice. A publish that finds the lock taken waits.
   */
  private async send(publishId: string, incidentId: string, job: JobContext): Promise<string> {
    const lock = this.key('lock', incidentId);
    const owner = `${publishId}-${job.id}`.slice(0, 200);
    if (!(await this.d.ctx.store.claim(lock, 60_000, owner))) return job.defer(this.d.retry.backoffMs);
    try {
      return await this.sendLocked(publishId, incidentId, job);
    } finally {
      await this.d.ctx.store.release(lock, owner);
    }
  }

  private async sendLocked(publishId: string, incidentId: string, job: JobContext): Promise<string> {
    const pub = await this.d.ctx.store.getJson<Publication>(this.key('publish', publishId));
    if (!pub) return 'gone';
    const rec = await this.record(incidentId, (r) => r);
    if (!rec?.pending.includes(publishId)) return 'already sent';
    const fields: PageIncidentFields = {
      name: pub.name,
      status: pub.status,
      body: pub.body,
      components: pub.component ? { [pub.component.id]: pub.component.status } : {},
    };
    const what = `${pub.component ? `${pub.component.service} ${pub.component.status.replace(/_/g, ' ')}, ` : ''}${pub.status}`;
    await this.attempt(
      job,
      pub.channel,
      incidentId,
      `sp-${publishId}`,
      async () => {
        let pageId = rec.pageIncidentId;
        if (pageId) await this.d.api.updateIncident(pageId, fields);
        else pageId = (await this.d.api.createIncident(fields)).id;
        await this.record(incidentId, (r) => ({
          ...r,
          pageIncidentId: pageId,
          components: [...new Set([...r.components, ...Object.keys(fields.components)])],
          pending: r.pending.filter((p) => p !== publishId),
        }));
      },
      () => this.record(incidentId, (r) => ({ ...r, pending: r.pending.filter((p) => p !== publishId) })),
    );
    const verb = rec.pageIncidentId ? 'Updated' : 'Published';
    await this.tell(pub.by, incidentId, `${verb} the status page (${what})`, pub.body, pub.channel, `sp-done-${publishId}`);
    return 'sent';
  }

  private async resolve(incidentId: string, job: JobContext): Promise<string> {
    const rec = await this.record(incidentId, (r) => r);
    if (!rec || rec.resolved) return 'nothing to resolve';
    // A publish still queued would create or reopen the page incident after this: wait for it.
    if (rec.pending.length) return job.defer(this.d.retry.backoffMs);
    const pageId = rec.pageIncidentId;
    if (!pageId) return 'never published';
    const channel = (await servicesOf(this.d.ctx).get('incidents').get(incidentId))?.channel ?? '';
    const components = Object.fromEntries(rec.components.map((c) => [c, 'operational' as const]));
    await this.attempt(job, channel, incidentId, jobIdOf('sp-resolve', incidentId), async () => {
      await this.d.api.updateIncident(pageId, { status: 'resolved', body: this.d.cfg.resolved_message, components });
      await this.record(incidentId, (r) => ({ ...r, resolved: true }));
    });
    const done = 'Resolved the status page incident';
    await this.tell('statuspage', incidentId, done, this.d.cfg.resolved_message, channel, jobIdOf('sp-resolved', incidentId));
    return 'resolved';
  }

  /**
   * Runs one call to Statuspage. A failure is told in the incident's channel on the first try only
   * (and once more if it gives up), then rethrown so the queue retries with backoff.
   */
  private async attempt(
    job: JobContext,
    channel: string,
    incidentId: string,
    key: string,
    call: () => Promise<void>,
    giveUp?: () => Promise<unknown>,
  ) {
    try {
      await call();
    } catch (err) {
      const retryable = !(err instanceof UpstreamError) || err.retryable;
      const last = !retryable || job.attempt >= job.maxAttempts;
      const why = err instanceof UpstreamError ? err.message : 'unexpected error';
      const audit = { actor: 'statuspage', action: 'statuspage publish', target: incidentId, detail: why };
      if (job.attempt === 1 && !last && channel)
        await this.d.ctx.chat.post({
          channel,
          key: `${key}-failing`,
          text:
            `:warning: The status page could not be updated for ${incidentId} (${why}). ` +
            'Retrying; customers see the update once it goes through.',
        });
      if (last) {
        await this.d.ctx.audit.record({ ...audit, outcome: 'error' });
        await giveUp?.();
        if (channel)
          await this.d.ctx.chat.post({
            channel,
            key: `${key}-gave-up`,
            text: `:x: Gave up updating the status page for ${incidentId} (${why}).`,
          });
        if (!retryable) throw new PermanentJobError(why, { cause: err });
      }
      throw err;
    }
  }

  /**
   * Audited, on the incident's timeline with what customers read, and told in its channel. The
   * channel line leaves the customer text out: it is a person's text, and the domain has no
   * renderer to show it without mrkdwn (the timeline's renderer escapes it).
   */
  private async tell(actor: string, incidentId: string, what: string, body: string, channel: string, key: string): Promise<void> {
    await this.d.ctx.audit.record({ actor, action: 'statuspage publish', outcome: 'ok', target: incidentId, detail: what });
    await servicesOf(this.d.ctx)
      .get('incidents')
      .addTimelineEntry(incidentId, { kind: 'statuspage', text: `${what}: ${body}`, actor });
    const by = actor === 'statuspage' ? '' : ` by ${mention(actor)}`;
    if (channel) await this.d.ctx.chat.post({ channel, key, text: `:satellite_antenna: ${what}${by}; the timeline has the text.` });
  }
}
