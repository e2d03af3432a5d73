import { createHash } from 'node:crypto';
import type { DomainEvent, Subscription } from '../../core/events.js';
import type { Logger } from '../../core/ports/runtime.js';
import { EVENTS, type RunFinishedEvent } from '../contracts.js';
import type { Services } from '../services.js';
import type { PlanConfig } from './config.js';
import { SYSTEM_ACTOR } from './iterations.js';
import { PRIORITIES, parseItemId, type PlanPriority } from './model.js';
import type { PlanRepo } from './repo.js';
import type { PlanService } from './service.js';

interface IncidentResolvedEvent {
  incidentId: string;
  services?: string[];
  severity?: string;
  followUps?: string[];
  resolvedBy?: string;
}

interface FindingOpenedEvent {
  findingId: string;
  fingerprint: string;
  severity: string;
  title: string;
  service?: string;
  env?: string;
  inspector?: string;
}

const SEVERITY_PRIORITY: Record<string, PlanPriority> = { SEV1: 'critical', SEV2: 'high', SEV3: 'medium', SEV4: 'low' };

const shortHash = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 16);

/**
 * Items move themselves where the links say so. Every handler is idempotent (events are delivered
 * at least once): shipping skips shipped items, created items carry a source key.
 */
export function planSubscriptions(deps: { plan: PlanService; repo: PlanRepo; services: Services; cfg: PlanConfig; log: Logger }): Subscription[] {
  const { plan, repo, services, cfg, log } = deps;

  /** A successful production run ships the items linked to it (or named in its `plan` parameter). */
  const runFinished: Subscription = {
    name: 'plan.ship-on-production-run',
    type: EVENTS.runFinished,
    async handle(event: DomainEvent) {
      const e = event.data as unknown as RunFinishedEvent;
      if (e.status !== 'succeeded' || !plan.isProduction(e.env)) return;
      const ids = new Set(await plan.linkedItemIds('run', e.runId));
      const run = await services.maybe('pipelines')?.getRun(e.runId).catch(() => null);
      for (const word of (run?.params.plan ?? '').split(/[\s,]+/)) {
        const id = word ? parseItemId(word) : null;
        if (id) ids.add(id);
      }
      for (const id of ids) {
        const shipped = await plan.markShipped(id, { runId: e.runId, pipeline: e.pipeline, env: e.env, at: event.at }, e.triggeredBy || SYSTEM_ACTOR);
        if (!shipped) continue;
        // A courtesy note on the run's thread; the item is already marked, so a failure here must not retry it.
        await services
          .maybe('pipelines')
          ?.noteOnRun(e.runId, `:clipboard: Shipped plan item *${shipped.id}* ${shipped.title}`)
          .catch((err: Error) => log.warn({ err: err.message, runId: e.runId }, 'plan: note on run failed'));
      }
    },
  };

  /** Each follow-up of a resolved incident becomes a follow-up item linked to the incident. */
  const incidentResolved: Subscription = {
    name: 'plan.incident-follow-ups',
    type: EVENTS.incidentResolved,
    async handle(event: DomainEvent) {
      const e = event.data as unknown as IncidentResolvedEvent;
      const services_ = e.services ?? [];
      await repo.recordIncident({ id: e.incidentId, ...(e.severity ? { severity: e.severity } : {}), services: services_, resolvedAt: event.at });
      for (const followUp of e.followUps ?? []) {
        const title = followUp.replace(/\s+/g, ' ').trim().slice(0, 150);
        if (!title) continue;
        await plan.create({
          title,
          kind: 'follow-up',
          ...(services_[0] ? { service: services_[0] } : {}),
          createdBy: e.resolvedBy || SYSTEM_ACTOR,
          description: `Follow-up of incident ${e.incidentId}${e.severity ? ` (${e.severity})` : ''}${services_.length ? ` on ${services_.join(', ')}` : ''}.`,
          links: [`incident:${e.incidentId}`],
          priority: SEVERITY_PRIORITY[e.severity ?? ''] ?? 'medium',
          sourceKey: `incident-${e.incidentId}-followup-${shortHash(title)}`,
        });
      }
    },
  };

  /** A high or critical inspector finding becomes one bug item per finding fingerprint. */
  const findingOpened: Subscription = {
    name: 'plan.findings',
    type: EVENTS.findingOpened,
    async handle(event: DomainEvent) {
      const e = event.data as unknown as FindingOpenedEvent;
      const severity = String(e.severity ?? '').toLowerCase();
      if (!(cfg.findingSeverities as string[]).includes(severity)) return;
      await plan.create({
        title: `${e.inspector ? `[${e.inspector}] ` : ''}${e.title?.trim() || `finding ${e.findingId}`}`.slice(0, 150),
        kind: 'bug',
        ...(e.service ? { service: e.service } : {}),
        createdBy: e.inspector ? `inspector ${e.inspector}` : SYSTEM_ACTOR,
        description: `Inspector finding ${e.findingId} (${severity}${e.env ? `, ${e.env}` : ''}).`,
        links: [`finding:${e.findingId}`],
        priority: (PRIORITIES as readonly string[]).includes(severity) ? (severity as PlanPriority) : 'high',
        sourceKey: `finding-${e.fingerprint}`,
      });
    },
  };

  return [runFinished, incidentResolved, findingOpened];
}
