import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { HttpRoute } from '../../core/module.js';
import { bearer, defineRoute } from '../../core/routes.js';
import type { IncidentsConfig, Severity } from './config.js';
import type { IncidentDeps } from './deps.js';
import { isOpen, type Incident } from './model.js';
import type { IncidentService } from './service.js';

/**
 * POST /hooks/alertmanager, `Authorization: Bearer <ALERTMANAGER_TOKEN>`: Prometheus Alertmanager's
 * webhook (version 4). One incident per alert group (groupKey); every alert of the group lands on
 * its timeline once per status, so redeliveries change nothing.
 */
const alert = z.object({
  status: z.enum(['firing', 'resolved']),
  labels: z.record(z.string(), z.string()),
  annotations: z.record(z.string(), z.string()).default({}),
  startsAt: z.string(),
  endsAt: z.string().optional(),
  generatorURL: z.string().optional(),
  fingerprint: z.string().min(1),
});

export const alertmanagerPayload = z.object({
  version: z.literal('4'),
  groupKey: z.string().min(1),
  truncatedAlerts: z.number().optional(),
  status: z.enum(['firing', 'resolved']),
  receiver: z.string(),
  groupLabels: z.record(z.string(), z.string()),
  commonLabels: z.record(z.string(), z.string()),
  commonAnnotations: z.record(z.string(), z.string()).default({}),
  externalURL: z.string(),
  alerts: z.array(alert).min(1),
});
export type AlertmanagerPayload = z.infer<typeof alertmanagerPayload>;

function severityOf(cfg: IncidentsConfig, p: AlertmanagerPayload): Severity {
  const raw = p.commonLabels[cfg.alertmanager.severity_label] ?? p.groupLabels[cfg.alertmanager.severity_label];
  return (raw ? cfg.alertmanager.severity_map[raw.toLowerCase()] : undefined) ?? cfg.alertmanager.default_severity;
}

function alertText(a: z.infer<typeof alert>): string {
  const name = a.labels.alertname ?? 'alert';
  const what = a.annotations.summary ?? a.annotations.description ?? '';
  return `Alert ${a.status}: ${name}${what ? ` — ${what}` : ''} (${a.fingerprint})`;
}

export function alertmanagerRoute(d: IncidentDeps, svc: IncidentService): HttpRoute {
  return defineRoute(d.ctx, {
    name: 'alertmanager',
    method: 'POST',
    path: '/hooks/alertmanager',
    summary: 'Prometheus Alertmanager v4 webhook: one incident per alert group',
    auth: bearer(d.settings.ALERTMANAGER_TOKEN),
    body: alertmanagerPayload,
    // Alertmanager sends no delivery id: the group key and alert fingerprints make redeliveries no-ops.
    async handle(p, ctx) {
      const found = await openOrFind(d, svc, p);
      if (!found) {
        ctx.note({ detail: `resolved group ${p.groupKey} never had an incident` });
        return { incident: null, created: false, added: 0 };
      }
      const { incident, created } = found;
      const added = await annotate(d, incident, p);
      ctx.note({
        ...(created ? { action: 'open' } : {}),
        target: incident.id,
        detail: `group ${p.groupKey}${created ? '' : `, ${added} new alert entries`}`,
      });
      return { incident: incident.id, created, added };
    },
  });
}

/** The group's incident, opened if need be; null for a resolved group that never had one (nothing to open). */
async function openOrFind(
  d: IncidentDeps,
  svc: IncidentService,
  p: AlertmanagerPayload,
): Promise<{ incident: Incident; created: boolean } | null> {
  const groupHash = createHash('sha256').update(p.groupKey).digest('hex').slice(0, 32);
  const serviceRaw = p.commonLabels[d.cfg.alertmanager.service_label] ?? p.groupLabels[d.cfg.alertmanager.service_label];
  // An alert for a service we do not know still opens an incident; it just has no responders.
  const services = serviceRaw && d.cfg.services[serviceRaw] ? [serviceRaw] : [];
  const title = p.commonAnnotations.summary ?? p.commonLabels.alertname ?? p.groupLabels.alertname ?? 'Alertmanager alert';
  const input = {
    title,
    severity: severityOf(d.cfg, p),
    services,
    description:
      p.commonAnnotations.description ??
      `Alert group ${JSON.stringify(p.groupLabels)} from ${p.externalURL}` +
        `${serviceRaw && !services.length ? ` (unknown service ${serviceRaw})` : ''}`,
    source: 'alertmanager' as const,
    declaredBy: 'alertmanager',
    alertGroupKey: p.groupKey,
  };
  const current = await d.repo.dedupeTarget('am', groupHash);
  const existing = current ? await d.repo.get(current) : null;
  // A group we first hear of as resolved (its firing notice went elsewhere, or predates us) is over.
  if (!existing && p.status === 'resolved') return null;
  if (existing && !isOpen(existing) && p.status === 'firing') {
    // The group fires again after its incident was resolved: a new incident, unless every alert
    // here was already seen (a late redelivery of the old one).
    const fresh = [];
    for (const a of p.alerts) if (!(await d.repo.dedupeTarget('am-alert', `${existing.id}-${a.fingerprint}-${a.startsAt}`))) fresh.push(a);
    if (!fresh.length) return { incident: existing, created: false };
    const res = await svc.declare({ ...input, dedupe: { source: 'am-reopen', key: `${groupHash}-${existing.id}` } });
    await d.repo.setDedupe('am', groupHash, res.incident.id);
    return res;
  }
  return svc.declare({ ...input, dedupe: { source: 'am', key: groupHash } });
}

async function annotate(d: IncidentDeps, inc: Incident, p: AlertmanagerPayload): Promise<number> {
  let added = 0;
  for (const a of p.alerts) {
    const entry = { at: d.ctx.clock.now(), kind: 'alert', actor: 'alertmanager', text: alertText(a) };
    if (await d.repo.addTimelineOnce(inc.id, `alert-${a.fingerprint}-${a.startsAt}-${a.status}`, entry)) added++;
    if (a.status === 'firing') await d.repo.setDedupe('am-alert', `${inc.id}-${a.fingerprint}-${a.startsAt}`, inc.id);
  }
  if (p.status === 'resolved') {
    const entry = { at: d.ctx.clock.now(), kind: 'alert', actor: 'alertmanager', text: `All alerts of the group resolved in Alertmanager` };
    if (
      (await d.repo.addTimelineOnce(
        inc.id,
        `group-resolved-${p.alerts
          .map((a) => a.fingerprint)
          .sort()
          .join('-')
          .slice(0, 200)}`,
        entry,
      )) &&
      inc.channel
    ) {
      await d.ctx.chat.post({
        channel: inc.channel,
        key: `inc-${inc.id}-am-resolved-${inc.version}`,
        text:
          `:large_green_circle: Alertmanager reports every alert of ${inc.id}'s group resolved. ` +
          'Resolve the incident when you are sure: `/incident resolve`.',
      });
    }
  }
  return added;
}
