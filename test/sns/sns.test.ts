import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { snsModuleWith } from '../../src/app/wire-sns.js';
import { snsConfigSchema } from '../../src/domain/sns/config.js';
import { deliver, FakeSns, issueCertificate } from '../fakes/sns.js';
import { startIncidents, type IncidentsHarness } from '../incidents/support.js';

// CloudWatch alarms reach the bot as SNS delivers them (signed JSON over loopback HTTP) and take
// Alertmanager's path: one incident per alarm, redeliveries and repeats add nothing twice, OK is noted.
describe('AWS SNS: CloudWatch alarms', () => {
  let ih: IncidentsHarness;
  let sns: FakeSns;
  let url: string;
  const sourced = async (source: string) => (await ih.repo().getMany(await ih.repo().recentIds())).filter((i) => i.source === source);

  beforeAll(async () => {
    sns = await new FakeSns().start();
    const config = snsConfigSchema.parse({
      topics: [sns.topicArn],
      service_dimension: 'ServiceName',
      alarms: { 'checkout-p99-latency': { service: 'checkout', severity: 'SEV2' } },
    });
    ih = await startIncidents('sns', { extraModules: [snsModuleWith({ config })], env: { SNS_ORIGIN_PATTERN: sns.originPattern } });
    url = ih.hook('/hooks/sns');
  });
  afterAll(async () => {
    await ih?.close();
    await sns?.stop();
  });

  it('confirms a subscription by visiting its SubscribeURL (SignatureVersion 1)', async () => {
    const m = sns.subscriptionConfirmation({ version: '1' });
    const r = await deliver(url, m);
    expect(r).toMatchObject({ status: 200, body: { ok: true, confirmed: true } });
    expect(sns.confirmed).toEqual([{ topic: sns.topicArn, token: m.Token }]);
  });

  it('ALARM opens one incident; a redelivery or a second ALARM opens none; OK is noted as a resolved group is', async () => {
    const first = sns.alarm({ name: 'checkout-p99-latency', state: 'ALARM', changedAt: '2026-12-01T10:00:00.000+0000' });
    const r1 = await deliver(url, first);
    expect(r1).toMatchObject({ status: 200, body: { ok: true, created: true, added: 1 } });
    const id = String(r1.body.incident);
    const inc = await ih.ready(id);
    expect(inc).toMatchObject({ source: 'sns', services: ['checkout'], severity: 'SEV2', title: 'CloudWatch alarm checkout-p99-latency' });

    // SNS redelivers the same message (same signature): nothing new.
    const again = await deliver(url, first);
    expect(again.body).toMatchObject({ incident: id, created: false, added: 0 });
    // The alarm fires again (a new state change) while the incident is open: its timeline, no new incident.
    const second = sns.alarm({ name: 'checkout-p99-latency', state: 'ALARM', changedAt: '2026-12-01T10:05:00.000+0000' });
    expect((await deliver(url, second)).body).toMatchObject({ incident: id, created: false, added: 1 });
    expect((await deliver(url, second)).body).toMatchObject({ incident: id, created: false, added: 0 });

    const ok = sns.alarm({ name: 'checkout-p99-latency', state: 'OK', changedAt: '2026-12-01T10:20:00.000+0000' }, { subject: false });
    expect((await deliver(url, ok)).body).toMatchObject({ incident: id, created: false, added: 1 });
    expect((await deliver(url, ok)).body).toMatchObject({ incident: id, created: false, added: 0 });

    expect(await sourced('sns')).toHaveLength(1);
    const texts = (await ih.timeline(id)).filter((e) => e.kind === 'alert').map((e) => e.text);
    expect(texts.filter((t) => t.startsWith('Alarm ALARM: checkout-p99-latency'))).toHaveLength(2);
    expect(texts.filter((t) => t.startsWith('Alarm OK: checkout-p99-latency'))).toHaveLength(1);
    expect(texts.filter((t) => t === 'The alarm resolved in AWS (SNS)')).toHaveLength(1);
    // Noted, as Alertmanager's resolved group is: a person resolves the incident.
    expect((await ih.incident(id)).status).not.toBe('resolved');
    await ih.h.slack.waitFor(() => ih.h.slack.messages(inc.channel!).some((m) => m.text.includes('alarm back to OK')));
  });

  it('maps an unlisted alarm to its service through the configured dimension (SignatureVersion 1 notification)', async () => {
    const m = sns.alarm(
      {
        name: 'payments-5xx',
        state: 'ALARM',
        changedAt: '2026-12-01T11:00:00.000+0000',
        dimensions: { ServiceName: 'payments' },
      },
      { version: '1' },
    );
    const r = await deliver(url, m);
    expect(r.body).toMatchObject({ created: true });
    expect(await ih.incident(String(r.body.incident))).toMatchObject({ services: ['payments'], severity: 'SEV3', source: 'sns' });
  });

  it('refuses a forged or altered message and changes nothing', async () => {
    const before = (await sourced('sns')).length;
    const forger = issueCertificate();
    const forged = sns.alarm({ name: 'forged-alarm', state: 'ALARM', changedAt: '2026-12-01T12:00:00.000+0000' }, { key: forger.key });
    expect(await deliver(url, forged)).toMatchObject({ status: 403, body: { ok: false, error: 'forbidden' } });
    const genuine = sns.alarm({ name: 'forged-alarm', state: 'ALARM', changedAt: '2026-12-01T12:00:00.000+0000' });
    const altered = { ...genuine, Message: genuine.Message.replace('forged-alarm', 'other-alarm') };
    expect((await deliver(url, altered)).status).toBe(403);
    const downgraded = { ...genuine, SignatureVersion: '1' as const };
    expect((await deliver(url, downgraded)).status).toBe(403);
    // A genuine message captured long ago and replayed.
    const old = sns.alarm(
      { name: 'forged-alarm', state: 'ALARM', changedAt: '2026-01-01T00:00:00.000+0000' },
      { sentAt: '2026-01-01T00:00:01.000Z' },
    );
    expect(await deliver(url, old)).toMatchObject({ status: 403, body: { ok: false, error: 'forbidden' } });
    const foreignTopic = { ...genuine, TopicArn: 'arn:aws:sns:us-east-1:999999999999:someone-elses' };
    expect((await deliver(url, foreignTopic)).status).toBe(403);
    const confirmed = sns.confirmed.length;
    const sub = sns.subscriptionConfirmation();
    expect((await deliver(url, { ...sub, Token: 'tampered' })).status).toBe(403);
    expect(sns.confirmed).toHaveLength(confirmed);
    expect(await sourced('sns')).toHaveLength(before);
  });

  it('refuses a certificate URL or SubscribeURL outside the SNS origin without fetching it', async () => {
    const fetches = sns.certFetches;
    const foreignCert = `http://localhost:${new URL(sns.url).port}/SimpleNotificationService-evil.pem`;
    const m = sns.alarm({ name: 'foreign-cert', state: 'ALARM', changedAt: '2026-12-01T13:00:00.000+0000' }, { certUrl: foreignCert });
    expect(await deliver(url, m)).toMatchObject({ status: 403, body: { ok: false, error: 'forbidden' } });
    const notPem = sns.alarm(
      { name: 'foreign-cert', state: 'ALARM', changedAt: '2026-12-01T13:00:00.000+0000' },
      { certUrl: `${sns.url}/x.txt` },
    );
    expect((await deliver(url, notPem)).status).toBe(403);
    expect(sns.certFetches).toBe(fetches);

    // Signed by the genuine key, but asking the bot to visit another host.
    const confirmed = sns.confirmed.length;
    const sub = sns.subscriptionConfirmation();
    const { Signature: _s, SignatureVersion: _v, SigningCertURL: _c, ...unsigned } = sub;
    const elsewhere = sns.sign({ ...unsigned, SubscribeURL: `http://localhost:${new URL(sns.url).port}/?Action=ConfirmSubscription` });
    expect((await deliver(url, elsewhere)).status).toBe(403);
    expect(sns.confirmed).toHaveLength(confirmed);
    expect(await sourced('sns')).toHaveLength(2);
  });
});
