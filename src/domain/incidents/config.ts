import { z } from 'zod';
import { loadYamlFile } from '../../core/config/yaml-file.js';
import { parseDuration } from '../../core/time.js';

/**
 * config/incidents.yml: who responds to which service, where incident news goes, and the timers.
 * Validated at start-up, so a typo in a channel id or a duration stops the bot with the path named.
 */
export const SEVERITIES = ['SEV1', 'SEV2', 'SEV3', 'SEV4'] as const;
export type Severity = (typeof SEVERITIES)[number];

const userId = z.string().regex(/^[UW][A-Z0-9]{2,}$/, 'a Slack user id like U012ABCDEF');
const groupId = z.string().regex(/^S[A-Z0-9]{2,}$/, 'a Slack user group id like S012ABCDEF');
const channelId = z.string().regex(/^[CG][A-Z0-9]{2,}$/, 'a Slack channel id like C012ABCDEF');
const serviceName = z.string().regex(/^[a-z][a-z0-9-]*$/, 'service names are lowercase words joined by -');

/** A duration: `90s`, `15m`, `2h`, or a number of milliseconds (tests use short ones). */
const duration = z.union([z.number().int().positive(), z.string()]).transform((v, ctx) => {
  if (typeof v === 'number') return v;
  const ms = /^\d+ms$/.test(v.trim()) ? Number(v.trim().slice(0, -2)) : parseDuration(v);
  if (ms === null || ms <= 0) {
    ctx.addIssue({ code: 'custom', message: `\`${v}\` is not a duration; use e.g. 500ms, 90s, 15m, 2h` });
    return z.NEVER;
  }
  return ms;
});

/** People to page: user ids, user groups (expanded through Slack) and emails (looked up). */
const responders = z
  .object({ users: z.array(userId).default([]), groups: z.array(groupId).default([]), emails: z.array(z.email()).default([]) })
  .strict();
export type Responders = z.infer<typeof responders>;

/** Channels that hear about an incident, by audience. */
const audience = z
  .object({ stakeholders: z.array(channelId).default([]), noc: z.array(channelId).default([]), helpdesk: z.array(channelId).default([]) })
  .strict();
export type Audience = z.infer<typeof audience>;

const perSeverity = <T extends z.ZodType>(schema: T) => z.partialRecord(z.enum(SEVERITIES), schema);

const serviceSchema = z
  .object({
    /** The owning team's channel: told as a stakeholder when a service upstream/downstream breaks. */
    team_channel: channelId.optional(),
    oncall: responders.default({ users: [], groups: [], emails: [] }),
    /** Invited one level at a time while nobody acknowledges. */
    escalation: z.array(responders).default([]),
    runbook: z.url().optional(),
    dashboards: z.array(z.object({ title: z.string().min(1).max(60), url: z.url() }).strict()).default([]),
    upstream: z.array(serviceName).default([]),
    downstream: z.array(serviceName).default([]),
    /** Extra channels for this service, by severity (added to the defaults). */
    notify: perSeverity(audience).default({}),
  })
  .strict();
export type ServiceConfig = z.infer<typeof serviceSchema>;

const noResponders = { users: [], groups: [], emails: [] };

/**
 * Who responds when an incident's services name nobody: an alert for a service not in this file,
 * an incident declared without a service, a service whose on-call list is empty.
 */
const fallbackSchema = z
  .object({ oncall: responders.default(noResponders), escalation: z.array(responders).default([]) })
  .strict()
  .default({ oncall: noResponders, escalation: [] });

const timerSchema = z.object({ update_reminder: duration, acknowledge_timeout: duration }).strict();

export const incidentsFileSchema = z
  .object({
    /** Reacting with this emoji (name without colons) copies a message to the timeline. */
    timeline_emoji: z
      .string()
      .regex(/^[a-z0-9_+-]+$/, 'an emoji name without colons, e.g. pushpin')
      .default('pushpin'),
    /** Where declarations are announced (besides the per-severity audiences). */
    announce_channel: channelId.optional(),
    timers: z.object(Object.fromEntries(SEVERITIES.map((s) => [s, timerSchema])) as Record<Severity, typeof timerSchema>).strict(),
    /** Channels for every service, by severity. */
    notify: perSeverity(audience).default({}),
    /** Open SEV1/SEV2 incidents freeze production deployments of their services. */
    freeze: z
      .object({
        severities: z.array(z.enum(SEVERITIES)).default(['SEV1', 'SEV2']),
        environments: z.array(z.string()).default(['production', 'prod']),
      })
      .strict()
      .default({ severities: ['SEV1', 'SEV2'], environments: ['production', 'prod'] }),
    alertmanager: z
      .object({
        service_label: z.string().default('service'),
        severity_label: z.string().default('severity'),
        severity_map: z
          .record(z.string(), z.enum(SEVERITIES))
          .default({ critical: 'SEV1', page: 'SEV1', high: 'SEV2', error: 'SEV2', warning: 'SEV3', info: 'SEV4' }),
        default_severity: z.enum(SEVERITIES).default('SEV3'),
      })
      .strict()
      .default({
        service_label: 'service',
        severity_label: 'severity',
        severity_map: { critical: 'SEV1', page: 'SEV1', high: 'SEV2', error: 'SEV2', warning: 'SEV3', info: 'SEV4' },
        default_severity: 'SEV3',
      }),
    fallback: fallbackSchema,
    services: z.record(serviceName, serviceSchema),
  })
  .strict()
  .superRefine((f, ctx) => {
    for (const [name, svc] of Object.entries(f.services)) {
      for (const rel of [...svc.upstream, ...svc.downstream]) {
        if (!f.services[rel])
          ctx.addIssue({ code: 'custom', path: ['services', name], message: `names unknown service \`${rel}\` as upstream/downstream` });
      }
    }
  });

export type IncidentsConfig = z.infer<typeof incidentsFileSchema>;

export function loadIncidentsConfig(file: string): IncidentsConfig {
  return loadYamlFile(file, incidentsFileSchema);
}

/** Every channel that hears about an incident of these services at this severity, by audience. */
export function audienceFor(cfg: IncidentsConfig, services: string[], severity: Severity): Audience & { related: string[] } {
  const out = { stakeholders: new Set<string>(), noc: new Set<string>(), helpdesk: new Set<string>(), related: new Set<string>() };
  const add = (a: Audience | undefined) => {
    for (const c of a?.stakeholders ?? []) out.stakeholders.add(c);
    for (const c of a?.noc ?? []) out.noc.add(c);
    for (const c of a?.helpdesk ?? []) out.helpdesk.add(c);
  };
  add(cfg.notify[severity]);
  for (const s of services) {
    const svc = cfg.services[s];
    if (!svc) continue;
    add(svc.notify[severity]);
    // Upstream and downstream teams are stakeholders of this service's incidents.
    for (const rel of [...svc.upstream, ...svc.downstream]) {
      const ch = cfg.services[rel]?.team_channel;
      if (ch && !services.includes(rel)) out.related.add(ch);
    }
  }
  return { stakeholders: [...out.stakeholders], noc: [...out.noc], helpdesk: [...out.helpdesk], related: [...out.related] };
}
