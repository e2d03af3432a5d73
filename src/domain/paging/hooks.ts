import { z } from 'zod';
import type { HttpRoute } from '../../core/module.js';
import { defineRoute, hmacBody, sharedSecret, type RouteContext } from '../../core/routes.js';
import { servicesOf } from '../services.js';
import type { PagingDeps } from './deps.js';

/**
 * Acknowledgements made in the paging tools come back as webhooks and acknowledge the Switchyard
 * incident (which stops its escalation; the `incident.acknowledged` event names the tool, so it is
 * not told again). Size, proof, parsing, redelivery and audit: src/core/routes.ts.
 *
 * PagerDuty v3 webhooks (POST /hooks/pagerduty): `X-PagerDuty-Signature: v1=<hex HMAC-SHA256 of the
 * raw body with the subscription's secret>`; while a secret is rotated several are listed,
 * comma-separated, and one matching is enough. Body `{ event: { id, event_type, resource_type,
 * occurred_at, agent: { summary, ... } | null, data: { id, incident_key, status, title, ... } } }`;
 * `incident_key` is the Events API dedup_key, our incident id. `event.id` identifies a delivery.
 *
 * Opsgenie outgoing webhooks (POST /hooks/opsgenie) are not signed: the integration is set to send
 * the configured secret in a header, or as basic auth. Body `{ action: "Acknowledge" | "Close" | …,
 * alert: { alertId, alias, username, ... }, source, integrationName }`; `alias` is our incident id,
 * `username` the acting user's email. There is no delivery id: an acknowledgement is done once anyway.
 */
const INCIDENT_ID = /^INC-\d+$/;

export const pagerdutyWebhook = z.object({
  event: z.object({
    id: z.string().min(1).max(100),
    event_type: z.string(),
    agent: z.object({ summary: z.string().max(200).optional() }).nullish(),
    data: z.object({ incident_key: z.string().max(255).nullish(), status: z.string().optional() }),
  }),
});

export const opsgenieWebhook = z.object({
  action: z.string().max(50),
  alert: z.object({ alias: z.string().max(512).optional(), username: z.string().max(200).optional() }),
});

async function acknowledge(
  d: PagingDeps,
  id: string | null | undefined,
  via: { system: string; user?: string; name?: string },
  ctx: RouteContext,
): Promise<Record<string, unknown>> {
  if (!id || !INCIDENT_ID.test(id)) return { ignored: 'not a Switchyard page' };
  const res = (await servicesOf(d.ctx).maybe('incidents')?.acknowledgeFrom?.(id, via)) ?? { found: false, first: false };
  ctx.note({ ...(res.first ? { action: 'acknowledge' } : {}), target: id });
  return { incident: id, found: res.found, acknowledged: res.first };
}

export function pagerdutyRoute(d: PagingDeps): HttpRoute {
  return defineRoute(d.ctx, {
    name: 'pagerduty',
    method: 'POST',
    path: '/hooks/pagerduty',
    summary: 'PagerDuty v3 webhooks: an incident acknowledged in PagerDuty acknowledges ours',
    auth: hmacBody({ secret: d.webhookSecrets.pagerduty, signatureHeader: 'x-pagerduty-signature' }),
    body: pagerdutyWebhook,
    delivery: { field: 'event.id' },
    async handle(body, ctx) {
      const e = body.event;
      if (e.event_type !== 'incident.acknowledged') return { ignored: e.event_type };
      return acknowledge(d, e.data.incident_key, { system: 'PagerDuty', ...(e.agent?.summary ? { name: e.agent.summary } : {}) }, ctx);
    },
  });
}

export function opsgenieRoute(d: PagingDeps): HttpRoute {
  const hook = d.cfg.opsgenie?.webhook;
  const secret = d.webhookSecrets.opsgenie;
  const auth =
    hook?.auth === 'basic'
      ? sharedSecret({ secret, basicUser: hook.username })
      : sharedSecret({ secret, header: hook?.header ?? 'x-switchyard-token' });
  return defineRoute(d.ctx, {
    name: 'opsgenie',
    method: 'POST',
    path: '/hooks/opsgenie',
    summary: 'Opsgenie outgoing webhooks: an alert acknowledged in Opsgenie acknowledges our incident',
    auth,
    body: opsgenieWebhook,
    async handle(body, ctx) {
      if (body.action !== 'Acknowledge') return { ignored: body.action };
      const email = body.alert.username;
      const user = email?.includes('@') ? await d.ctx.chat.lookupByEmail(email).catch(() => null) : null;
      const via = { system: 'Opsgenie', ...(user ? { user } : {}), ...(email ? { name: email } : {}) };
      return acknowledge(d, body.alert.alias, via, ctx);
    },
  });
}
