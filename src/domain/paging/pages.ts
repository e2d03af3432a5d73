import { z } from 'zod';
import { PermanentJobError, UpstreamError } from '../../core/errors.js';
import { subscribe, type Subscription } from '../../core/events.js';
import { defineJob, enqueueJob, jobProcessor, type JobProcessor } from '../../core/ports/jobs.js';
import { EVENTS, INCIDENT_SEVERITIES } from '../contracts.js';
import { servicesOf } from '../services.js';
import type { PagingDeps } from './deps.js';
import { SYSTEM_NAME, type PagingSystem } from './ports.js';

/**
 * Pages follow the incident: a declaration of a paging severity triggers each of its services'
 * pages, an acknowledgement acknowledges them, a resolution resolves them. What each page should
 * be is recorded on a page document; a job per page and change brings the tool there, in order
 * (never an acknowledge before its trigger), whatever order retries run in. An acknowledgement that
 * came from a tool is not sent back to that tool. A tool that is down does not hold the incident
 * back: the job retries with backoff and the failure is told once in the incident channel.
 */
const SYSTEMS = ['pagerduty', 'opsgenie'] as const;
type Step = 'trigger' | 'acknowledge' | 'resolve';

interface PageDoc {
  incidentId: string;
  title: string;
  severity: (typeof INCIDENT_SEVERITIES)[number];
  targets: Array<{ system: PagingSystem; service: string }>;
  /** Wanted: acknowledged (and where), resolved. */
  acked?: { via: string };
  resolved?: boolean;
  /** Done, per `<system>/<service>`. */
  sent: Record<string, Step[]>;
  /** Targets whose failure was told in the channel (told once; told again when it recovers). */
  failing?: string[];
}

export const PAGE_JOB = defineJob(
  'paging.send',
  z.object({ incidentId: z.string().regex(/^INC-\d+$/), system: z.enum(SYSTEMS), service: z.string().regex(/^[a-z][a-z0-9-]*$/) }),
);

const docKey = (d: PagingDeps, id: string) => d.ctx.store.key('paging', 'page', id);
const targetKey = (t: { system: string; service: string }) => `${t.system}/${t.service}`;
const DOC_TTL_MS = 30 * 24 * 60 * 60_000;

async function enqueueAll(d: PagingDeps, doc: PageDoc, step: Step): Promise<void> {
  for (const t of doc.targets) {
    const id = `page-${doc.incidentId}-${t.system}-${t.service}-${step}`;
    await enqueueJob(
      d.ctx.jobs,
      PAGE_JOB,
      { incidentId: doc.incidentId, ...t },
      { id, attempts: d.cfg.attempts, backoffMs: d.cfg.backoff_ms },
    );
  }
}

async function change(d: PagingDeps, id: string, step: Step, fn: (doc: PageDoc) => PageDoc): Promise<void> {
  const doc = await d.ctx.store.update<PageDoc>(docKey(d, id), (cur) => (cur ? fn(cur) : null), { ttlMs: DOC_TTL_MS });
  if (doc) await enqueueAll(d, doc, step);
}

async function startPaging(d: PagingDeps, e: Pick<PageDoc, 'incidentId' | 'title' | 'severity'> & { services: string[] }): Promise<void> {
  const { incidentId, severity, title, services } = e;
  if (!d.cfg.page_severities.includes(severity)) return;
  const targets = services.flatMap((service) => d.pagers.filter((p) => p.covers(service)).map((p) => ({ system: p.system, service })));
  if (!targets.length) return;
  const fresh: PageDoc = { incidentId, title, severity, targets, sent: {} };
  await d.ctx.store.setJson(docKey(d, incidentId), fresh, { ttlMs: DOC_TTL_MS, onlyIfAbsent: true });
  // The stored document wins: a raise after a page keeps what was sent (jobs have stable ids).
  const doc = (await d.ctx.store.getJson<PageDoc>(docKey(d, incidentId))) ?? fresh;
  await enqueueAll(d, doc, 'trigger');
}

export function pagingSubscriptions(d: PagingDeps): Subscription[] {
  return [
    subscribe(EVENTS.incidentDeclared, 'paging.trigger', async (e) => startPaging(d, e.data)),
    // A raise into a paging severity pages as a declaration at that severity would have; an
    // incident already paged is not paged again (the page document exists).
    subscribe(EVENTS.incidentSeverityChanged, 'paging.trigger-on-raise', async ({ data: e }) =>
      startPaging(d, { incidentId: e.incidentId, title: e.title, services: e.services, severity: e.to }),
    ),
    subscribe(EVENTS.incidentAcknowledged, 'paging.acknowledge', async (e) =>
      change(d, e.data.incidentId, 'acknowledge', (doc) => ({ ...doc, acked: { via: e.data.via ?? 'slack' } })),
    ),
    subscribe(EVENTS.incidentResolved, 'paging.resolve', async (e) =>
      change(d, e.data.incidentId, 'resolve', (doc) => ({ ...doc, resolved: true })),
    ),
  ];
}

async function mark(d: PagingDeps, id: string, target: string, step: Step): Promise<void> {
  await d.ctx.store.update<PageDoc>(docKey(d, id), (cur) =>
    cur ? { ...cur, sent: { ...cur.sent, [target]: [...new Set([...(cur.sent[target] ?? []), step])] } } : null,
  );
}

/** Tells the incident channel once per outage of a tool; the channel may not exist yet (then a later attempt tells). */
async function tell(d: PagingDeps, doc: PageDoc, target: string, down: boolean, text: string): Promise<void> {
  if (down === Boolean(doc.failing?.includes(target))) return;
  const channel = (await servicesOf(d.ctx).maybe('incidents')?.get(doc.incidentId))?.channel;
  if (!channel) return;
  await d.ctx.chat.post({ channel, key: `paging-${doc.incidentId}-${target.replace('/', '-')}-${down ? 'down' : 'back'}`, text });
  await d.ctx.store.update<PageDoc>(docKey(d, doc.incidentId), (cur) => {
    if (!cur) return null;
    const failing = (cur.failing ?? []).filter((t) => t !== target);
    return { ...cur, failing: down ? [...failing, target] : failing };
  });
}

export function pageProcessor(d: PagingDeps): JobProcessor {
  return jobProcessor(PAGE_JOB, {
    attempts: d.cfg.attempts,
    backoffMs: d.cfg.backoff_ms,
    concurrency: 1,
    async process(data) {
      const doc = await d.ctx.store.getJson<PageDoc>(docKey(d, data.incidentId));
      const pager = d.pagers.find((p) => p.system === data.system);
      if (!doc || !pager) return 'no-page';
      const target = targetKey(data);
      const sent = () => doc.sent[target] ?? [];
      const page = { incidentId: doc.incidentId, service: data.service };
      const name = SYSTEM_NAME[data.system];
      try {
        if (!sent().includes('trigger')) {
          if (doc.resolved) return 'resolved-before-paging';
          const channel = (await servicesOf(d.ctx).maybe('incidents')?.get(doc.incidentId))?.channel;
          await pager.trigger({ ...page, title: doc.title, severity: doc.severity, ...(channel ? { channel } : {}) });
          await mark(d, doc.incidentId, target, 'trigger');
          doc.sent[target] = [...sent(), 'trigger'];
          await servicesOf(d.ctx)
            .maybe('incidents')
            ?.addTimelineEntry(doc.incidentId, { kind: 'page', text: `Paged ${name} for ${data.service} (${doc.severity})` });
        }
        // The tool the acknowledgement came from knows already: telling it again would loop.
        if (doc.acked && doc.acked.via !== data.system && !doc.resolved && !sent().includes('acknowledge')) {
          await pager.acknowledge(page);
          await mark(d, doc.incidentId, target, 'acknowledge');
        }
        if (doc.resolved && !sent().includes('resolve')) {
          await pager.resolve(page);
          await mark(d, doc.incidentId, target, 'resolve');
        }
      } catch (err) {
        if (!(err instanceof UpstreamError)) throw err;
        const text =
          `:warning: Could not reach ${name} for ${doc.incidentId} (${data.service}): ${err.message}. ` +
          (err.retryable ? 'Retrying; the incident goes on here.' : 'It refused the request: check config/paging.yml and the key.');
        await tell(d, doc, target, true, text);
        if (!err.retryable) throw new PermanentJobError(err.message, { cause: err });
        throw err;
      }
      await tell(d, doc, target, false, `:white_check_mark: ${name} answers again: ${doc.incidentId} is in step there.`);
      return 'in-step';
    },
  });
}
