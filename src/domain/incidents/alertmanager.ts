import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { HttpRoute } from '../../core/module.js';
import type { AlertGroupReport, AlertIntake, AlertIntakeResult } from '../contracts.js';
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
      const result = await intakeAlertGroup(d, svc, toReport(d.cfg, p));
      if (!result.incident) {
        ctx.note({ detail: `resolved group ${p.groupKey} never had an incident` });
        return { incident: null, created: false, added: 0 };
      }
      ctx.note({
        ...(result.created ? { action: 'open' } : {}),
        target: result.incident,
        detail: `group ${p.groupKey}${result.created ? '' : `, ${result.added} new alert entries`}`,
      });
      return { incident: result.incident, created: result.created, added: result.added };
    },
  });
}

function toReport(cfg: IncidentsConfig, p: AlertmanagerPayload): AlertGroupReport {
  const service = p.commonLabels[cfg.alertmanager.service_label] ?? p.groupLabels[cfg.alertmanager.service_label];
  return {
    source: 'alertmanager',
    groupKey: p.groupKey,
    status: p.status,
    title: p.commonAnnotations.summary ?? p.commonLabels.alertname ?? p.groupLabels.alertname ?? 'Alertmanager alert',
    severity: severityOf(cfg, p),
    ...(service ? { service } : {}),
    description: p.commonAnnotations.description ?? `Alert group ${JSON.stringify(p.groupLabels)} from ${p.externalURL}`,
    alerts: p.alerts.map((a) => ({ fingerprint: a.fingerprint, startsAt: a.startsAt, status: a.status, text: alertText(a) })),
  };
}

/** Dedupe namespaces per sender (Alertmanager's stay `am*`, as stored before SNS shared this path). */
const PREFIX: Record<AlertGroupReport['source'], string> = { alertmanager: 'am', sns: 'sns' };
const SENDER: Record<AlertGroupReport['source'], string> = { alertmanager: 'Alertmanager', sns: 'AWS (SNS)' };

/**
 * The one path alert senders share (Alertmanager here, CloudWatch alarms through SNS via the
 * `alerts` service): one incident per group, each alert on its timeline once per status, a group
 * that fires again after its incident was resolved opens a new one, and a resolved group is noted
 * (a person resolves the incident).
 */
export async function intakeAlertGroup(d: IncidentDeps, svc: IncidentService, r: AlertGroupReport): Promise<AlertIntakeResult> {
  const found = await openOrFind(d, svc, r);
  if (!found) return { incident: null, created: false, added: 0 };
  const added = await annotate(d, found.incident, r);
  return { incident: found.incident.id, created: found.created, added };
}

/** The `alerts` service other capabilities report alert groups to. */
export function alertIntake(d: IncidentDeps, svc: IncidentService): AlertIntake {
  return { report: (r) => intakeAlertGroup(d, svc, r) };
}

/** The group's incident, opened if need be; null for a resolved group that never had one (nothing to open). */
async function openOrFind(
  d: IncidentDeps,
  svc: IncidentService,
  r: AlertGroupReport,
): Promise<{ incident: Incident; created: boolean } | null> {
  const prefix = PREFIX[r.source];
  const groupHash = createHash('sha256').update(r.groupKey).digest('hex').slice(0, 32);
  // An alert for a service we do not know still opens an incident; it just has no responders.
  const services = r.service && d.cfg.services[r.service] ? [r.service] : [];
  const input = {
    title: r.title,
    severity: r.severity ?? d.cfg.alertmanager.default_severity,
    services,
    description: r.description + `${r.service && !services.length ? ` (unknown service ${r.service})` : ''}`,
    source: r.source,
    declaredBy: r.source,
    alertGroupKey: r.groupKey,
  };
  const current = await d.repo.dedupeTarget(prefix, groupHash);
  const existing = current ? await d.repo.get(current) : null;
  // A group we first hear of as resolved (its firing notice went elsewhere, or predates us) is over.
  if (!existing && r.status === 'resolved') return null;
  if (existing && !isOpen(existing) && r.status === 'firing') {
    // The group fires again after its incident was resolved: a new incident, unless every alert
    // here was already seen (a late redelivery of the old one).
    const fresh = [];
    for (const a of r.alerts)
      if (!(await d.repo.dedupeTarget(`${prefix}-alert`, `${existing.id}-${a.fingerprint}-${a.startsAt}`))) fresh.push(a);
    if (!fresh.length) return { incident: existing, created: false };
    const res = await svc.declare({ ...input, dedupe: { source: `${prefix}-reopen`, key: `${groupHash}-${existing.id}` } });
    await d.repo.setDedupe(prefix, groupHash, res.incident.id);
    return res;
  }
  return svc.declare({ ...input, dedupe: { source: prefix, key: groupHash } });
}

async function annotate(d: IncidentDeps, inc: Incident, r: AlertGroupReport): Promise<number> {
  const prefix = PREFIX[r.source];
  let added = 0;
  for (const a of r.alerts) {
    const entry = { at: d.ctx.clock.now(), kind: 'alert', actor: r.source, text: a.text };
    if (await d.repo.addTimelineOnce(inc.id, `alert-${a.fingerprint}-${a.startsAt}-${a.status}`, entry)) added++;
    if (a.status === 'firing') await d.repo.setDedupe(`${prefix}-alert`, `${inc.id}-${a.fingerprint}-${a.startsAt}`, inc.id);
  }
  if (r.status === 'resolved') {
    const what = r.source === 'alertmanager' ? 'All alerts of the group' : 'The alarm';
    const entry = { at: d.ctx.clock.now(), kind: 'alert', actor: r.source, text: `${what} resolved in ${SENDER[r.source]}` };
    const seen = r.alerts
      .map((a) => (r.source === 'alertmanager' ? a.fingerprint : `${a.fingerprint}-${a.startsAt}`))
      .sort()
      .join('-')
      .slice(0, 200);
    if ((await d.repo.addTimelineOnce(inc.id, `group-resolved-${seen}`, entry)) && inc.channel) {
      const told = r.source === 'alertmanager' ? `every alert of ${inc.id}'s group resolved` : `${inc.id}'s alarm back to OK`;
      await d.ctx.chat.post({
        channel: inc.channel,
        key: `inc-${inc.id}-${prefix}-resolved-${inc.version}`,
        text: `:large_green_circle: ${SENDER[r.source]} reports ${told}. Resolve the incident when you are sure: \`/incident resolve\`.`,
      });
    }
  }
  return added;
}
