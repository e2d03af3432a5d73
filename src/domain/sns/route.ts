import { createHash } from 'node:crypto';
import { z } from 'zod';
import { ForbiddenError } from '../../core/errors.js';
import type { AppContext, HttpRoute } from '../../core/module.js';
import { defineRoute, noAuth } from '../../core/routes.js';
import type { AlertGroupReport } from '../contracts.js';
import { servicesOf } from '../services.js';
import type { SnsConfig } from './config.js';
import { signatureValid, snsEnvelope, snsUrl, type SnsEnvelope } from './message.js';
import type { CertificateCache, SnsWire } from './port.js';

/**
 * A CloudWatch alarm state change as SNS delivers it in `Message` (CloudWatch User Guide, "Using
 * Amazon SNS notifications"). Dimensions come as `{name, value}`; the capitalised form is accepted too.
 */
const dimension = z.union([
  z.object({ name: z.string(), value: z.string() }),
  z.object({ Name: z.string(), Value: z.string() }).transform((d) => ({ name: d.Name, value: d.Value })),
]);
export const cloudWatchAlarm = z.object({
  AlarmName: z.string().min(1).max(255),
  AlarmDescription: z.string().nullish(),
  AlarmArn: z.string().optional(),
  NewStateValue: z.enum(['ALARM', 'OK', 'INSUFFICIENT_DATA']),
  NewStateReason: z.string().default(''),
  StateChangeTime: z.string().min(1),
  Region: z.string().optional(),
  Trigger: z
    .object({ MetricName: z.string().optional(), Namespace: z.string().optional(), Dimensions: z.array(dimension).default([]) })
    .optional(),
});
export type CloudWatchAlarm = z.infer<typeof cloudWatchAlarm>;

export interface SnsRouteDeps {
  ctx: AppContext;
  cfg: SnsConfig;
  wire: SnsWire;
  certs: CertificateCache;
  /** Origins the certificate and SubscribeURL may have: AWS_SNS_ORIGIN in production. */
  origin: RegExp;
}

/**
 * POST /hooks/sns: Amazon SNS HTTP(S) deliveries. SNS proves itself by signing each message with
 * a certificate from an SNS host, checked here (origin, topic, signature) before anything is done.
 * A CloudWatch alarm goes to the `alerts` service, the path Alertmanager's groups take: one
 * incident per alarm, ALARM again while open only adds to its timeline, OK is noted.
 */
export function snsRoute(d: SnsRouteDeps): HttpRoute {
  return defineRoute(d.ctx, {
    name: 'sns',
    method: 'POST',
    path: '/hooks/sns',
    summary: 'Amazon SNS: subscription confirmations and CloudWatch alarms (ALARM opens, OK notes)',
    auth: noAuth('SNS signs each message with an AWS certificate instead; the handler verifies it before acting'),
    body: snsEnvelope,
    maxBodyBytes: 256 * 1024, // SNS messages are at most 256 KiB
    // No delivery id on purpose: a forged message must not claim a MessageId; the alarm and its
    // state change time make a redelivery a no-op after the signature holds.
    async handle(m, ctx) {
      await verify(d, m);
      ctx.note({ target: m.TopicArn.slice(0, 200) });
      if (m.Type === 'UnsubscribeConfirmation') {
        ctx.note({ action: 'unsubscribed', detail: `topic ${m.TopicArn} unsubscribed us; not re-subscribing` });
        return { type: m.Type };
      }
      if (m.Type === 'SubscriptionConfirmation') {
        await d.wire.confirm(snsUrl(m.SubscribeURL, d.origin, 'SubscribeURL'));
        ctx.note({ action: 'subscribe', detail: `confirmed the subscription to ${m.TopicArn}` });
        return { type: m.Type, confirmed: true };
      }
      const alarm = parseAlarm(m.Message);
      if (!alarm || alarm.NewStateValue === 'INSUFFICIENT_DATA') {
        ctx.note({
          action: 'ignored',
          detail: alarm ? `${alarm.AlarmName}: INSUFFICIENT_DATA` : `message ${m.MessageId} is no CloudWatch alarm`,
        });
        return { type: m.Type, ignored: true };
      }
      const result = await servicesOf(d.ctx).get('alerts').report(toReport(d.cfg, alarm));
      ctx.note({
        ...(result.created ? { action: 'open' } : {}),
        ...(result.incident ? { target: result.incident } : {}),
        detail: `alarm ${alarm.AlarmName} ${alarm.NewStateValue}${result.incident ? '' : ': no incident to note it on'}`,
      });
      return { type: m.Type, ...result };
    },
  });
}

/**
 * SNS retries a delivery for hours at most (its HTTP delivery policies cap the total); a signed
 * message much older than that is a replay, refused before its alarm's dedupe record has expired.
 */
const MAX_AGE_MS = 7 * 24 * 60 * 60_000;
const MAX_SKEW_MS = 15 * 60_000;

/** Origin of the certificate, an accepted topic, the signature, then its age: a refusal changes nothing. */
async function verify(d: SnsRouteDeps, m: SnsEnvelope): Promise<void> {
  const certUrl = snsUrl(m.SigningCertURL, d.origin, 'SigningCertURL', { pem: true });
  if (!d.cfg.topics.includes(m.TopicArn)) throw new ForbiddenError('this topic is not listed in sns.yml', 'sns-topic');
  if (!signatureValid(m, await d.certs.get(certUrl))) throw new ForbiddenError('the message signature does not verify', 'sns-signature');
  const at = Date.parse(m.Timestamp);
  const now = d.ctx.clock.now();
  if (!Number.isFinite(at) || at < now - MAX_AGE_MS || at > now + MAX_SKEW_MS)
    throw new ForbiddenError('the message Timestamp is not within 7 days of our clock (a replay?)', 'sns-timestamp');
}

function parseAlarm(message: string): CloudWatchAlarm | null {
  let json: unknown;
  try {
    json = JSON.parse(message);
  } catch {
    return null;
  }
  const parsed = cloudWatchAlarm.safeParse(json);
  return parsed.success ? parsed.data : null;
}

const clip = (s: string, n: number): string => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

export function toReport(cfg: SnsConfig, a: CloudWatchAlarm): AlertGroupReport {
  const groupKey = a.AlarmArn ?? a.AlarmName;
  const mapped = cfg.alarms[a.AlarmName];
  const dims = a.Trigger?.Dimensions ?? [];
  const service = mapped?.service ?? dims.find((x) => x.name === cfg.service_dimension)?.value;
  const status = a.NewStateValue === 'ALARM' ? 'firing' : 'resolved';
  const metric = a.Trigger?.MetricName ? ` (${[a.Trigger.Namespace, a.Trigger.MetricName].filter(Boolean).join('/')})` : '';
  return {
    source: 'sns',
    groupKey,
    status,
    title: clip(`CloudWatch alarm ${a.AlarmName}`, 150),
    severity: mapped?.severity ?? cfg.default_severity,
    ...(service ? { service } : {}),
    description: clip(`${a.AlarmDescription ?? a.NewStateReason}${metric}${a.Region ? ` in ${a.Region}` : ''}`, 1500),
    alerts: [
      {
        fingerprint: createHash('sha256').update(groupKey).digest('hex').slice(0, 16),
        startsAt: a.StateChangeTime,
        status,
        text: clip(`Alarm ${a.NewStateValue}: ${a.AlarmName}${a.NewStateReason ? ` — ${a.NewStateReason}` : ''}`, 500),
      },
    ],
  };
}
