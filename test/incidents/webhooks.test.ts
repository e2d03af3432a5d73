import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alertmanagerPayload, sendAlertmanager } from '../fakes/alertmanager.js';
import { sendToSwitchyard } from '../fakes/helpdesk.js';
import { incidentIdIn, startIncidents, type IncidentsHarness } from './support.js';

// The NOC's Alertmanager and the help desk open incidents over loopback HTTP; redeliveries and
// unsigned requests open nothing.
describe('incident webhooks', () => {
  let ih: IncidentsHarness;
  beforeAll(async () => {
    ih = await startIncidents('inc-hooks');
  });
  afterAll(async () => {
    await ih?.close();
  });

  const latency = (status: 'firing' | 'resolved', pod: string) => ({
    status,
    labels: { alertname: 'CheckoutLatencyHigh', service: 'checkout', severity: 'critical', pod },
    annotations: { summary: 'Checkout p99 latency above 2s', description: 'p99 is 3.1s' },
  });

  it('opens one incident per alert group, adds later alerts, notes resolutions, and ignores redelivery', async () => {
    const url = ih.hook('/hooks/alertmanager');
    const token = ih.secrets.alertmanager;
    const group = { alertname: 'CheckoutLatencyHigh', service: 'checkout' };
    const first = alertmanagerPayload({ groupLabels: group, alerts: [latency('firing', 'checkout-1')] });
    const r1 = await sendAlertmanager(url, token, first);
    expect(r1.status).toBe(200);
    expect(r1.body).toMatchObject({ ok: true, created: true, added: 1 });
    const id = String(r1.body.incident);
    const inc = await ih.ready(id);
    expect(inc).toMatchObject({ severity: 'SEV1', services: ['checkout'], source: 'alertmanager', title: 'Checkout p99 latency above 2s' });
    expect(inc.roles.commander).toBe('U0ERIN'); // first on-call user of the service

    const second = alertmanagerPayload({ groupLabels: group, alerts: [latency('firing', 'checkout-1'), latency('firing', 'checkout-2')] });
    const r2 = await sendAlertmanager(url, token, second);
    expect(r2.body).toMatchObject({ incident: id, created: false, added: 1 });

    const resolved = alertmanagerPayload({
      groupLabels: group,
      alerts: [latency('resolved', 'checkout-1'), latency('resolved', 'checkout-2')],
    });
    const r3 = await sendAlertmanager(url, token, resolved);
    expect(r3.body).toMatchObject({ incident: id, created: false, added: 2 });

    // Alertmanager redelivers every one of them: nothing new.
    const before = (await ih.timeline(id)).length;
    for (const p of [first, second, resolved]) {
      const again = await sendAlertmanager(url, token, p);
      expect(again.body).toMatchObject({ incident: id, created: false, added: 0 });
    }
    const timeline = await ih.timeline(id);
    expect(timeline).toHaveLength(before);
    const alerts = timeline.filter((e) => e.kind === 'alert').map((e) => e.text);
    expect(alerts.filter((t) => t.startsWith('Alert firing'))).toHaveLength(2);
    expect(alerts.filter((t) => t.startsWith('Alert resolved'))).toHaveLength(2);
    expect(alerts.some((t) => t.includes('All alerts of the group resolved'))).toBe(true);
    const docs = await ih.repo().getMany(await ih.repo().recentIds());
    expect(docs.filter((d) => d.source === 'alertmanager')).toHaveLength(1);
    await ih.h.slack.waitFor(() => ih.h.slack.messages(inc.channel!).some((m) => m.text.includes('every alert')));
  });

  it('racing deliveries of one alert group or one ticket open exactly one incident', async () => {
    const before = new Set(await ih.repo().recentIds());
    const group = { alertname: 'RaceAlert', service: 'checkout' };
    const payload = alertmanagerPayload({ groupLabels: group, alerts: [latency('firing', 'race-1')] });
    const ticket = { ticket_id: 'HD-RACE-1', title: 'Racing ticket', service: 'checkout' };
    const [am, hd] = await Promise.all([
      Promise.all(Array.from({ length: 8 }, () => sendAlertmanager(ih.hook('/hooks/alertmanager'), ih.secrets.alertmanager, payload))),
      Promise.all(Array.from({ length: 8 }, () => sendToSwitchyard(ih.hook('/hooks/helpdesk'), ih.secrets.helpdeskIn, ticket))),
    ]);
    for (const batch of [am, hd]) {
      expect(batch.every((r) => r.status === 200)).toBe(true);
      expect(new Set(batch.map((r) => r.body.incident)).size).toBe(1);
      expect(batch.filter((r) => r.body.created === true)).toHaveLength(1);
    }
    const fresh = (await ih.repo().recentIds()).filter((id) => !before.has(id));
    expect(fresh.sort()).toEqual([String(am[0]!.body.incident), String(hd[0]!.body.incident)].sort());
    // The alert is on its incident's timeline once, however many deliveries raced.
    const alerts = (await ih.timeline(String(am[0]!.body.incident))).filter((e) => e.kind === 'alert');
    expect(alerts).toHaveLength(1);
  });

  it('a redelivery finishes announcing an incident whose first delivery stopped right after recording it', async () => {
    const payload = alertmanagerPayload({
      groupLabels: { alertname: 'HalfDeclared', service: 'checkout' },
      alerts: [latency('firing', 'half-1')],
    });
    // What the first delivery left when it died between recording the incident and announcing it.
    const repo = ih.repo();
    const n = await repo.nextNumber();
    const now = Date.now();
    const id = `INC-${n}`;
    await repo.create({
      id,
      number: n,
      title: 'Half declared',
      severity: 'SEV2',
      status: 'investigating',
      services: ['checkout'],
      source: 'alertmanager',
      declaredBy: 'alertmanager',
      declaredAt: now,
      roles: { commander: 'U0ERIN' },
      setup: {},
      escalationLevel: 0,
      reminderGen: 0,
      lastUpdateAt: now,
      updates: 0,
      tickets: [],
      announcePending: true,
      version: 1,
    });
    await repo.setDedupe('am', createHash('sha256').update(String(payload.groupKey)).digest('hex').slice(0, 32), id);

    const res = await sendAlertmanager(ih.hook('/hooks/alertmanager'), ih.secrets.alertmanager, payload);
    expect(res.body).toMatchObject({ incident: id, created: false, added: 1 });
    await ih.ready(id);
    await ih.h.slack.waitFor(() => ih.h.slack.messages('C0NOC').find((m) => m.text.includes(`${id} incident declared`)));
    await ih.h.slack.waitFor(() => ih.helpdesk.events('incident.declared').find((e) => (e.body.incident as { id: string }).id === id));
    expect((await ih.incident(id)).announcePending).toBeUndefined();
    expect((await ih.incident(id)).reminderGen).toBe(1);
    // Announced once: another redelivery sends nothing more.
    await sendAlertmanager(ih.hook('/hooks/alertmanager'), ih.secrets.alertmanager, payload);
    expect(ih.helpdesk.events('incident.declared').filter((e) => (e.body.incident as { id: string }).id === id)).toHaveLength(1);
    expect(ih.h.slack.messages('C0NOC').filter((m) => m.text.includes(`${id} incident declared`))).toHaveLength(1);
  });

  it('a group first heard of as resolved opens nothing', async () => {
    const before = (await ih.repo().recentIds()).length;
    const payload = alertmanagerPayload({
      groupLabels: { alertname: 'AlreadyOver', service: 'checkout' },
      alerts: [latency('resolved', 'over-1')],
    });
    const res = await sendAlertmanager(ih.hook('/hooks/alertmanager'), ih.secrets.alertmanager, payload);
    expect(res).toMatchObject({ status: 200, body: { ok: true, incident: null, created: false } });
    expect((await ih.repo().recentIds()).length).toBe(before);
  });

  it('refuses Alertmanager without the bearer token, and a malformed body', async () => {
    const url = ih.hook('/hooks/alertmanager');
    const payload = alertmanagerPayload({ groupLabels: { alertname: 'X' }, alerts: [latency('firing', 'x')] });
    expect((await sendAlertmanager(url, undefined, payload)).status).toBe(401);
    expect((await sendAlertmanager(url, 'wrong-token-wrong-token', payload)).status).toBe(401);
    const bad = await sendAlertmanager(url, ih.secrets.alertmanager, { ...payload, version: '3' });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('version');
  });

  it('opens an incident for a signed help desk ticket, once, and links another ticket to it', async () => {
    const url = ih.hook('/hooks/helpdesk');
    const secret = ih.secrets.helpdeskIn;
    const ticket = { ticket_id: 'HD-1001', title: 'Users cannot pay', severity: 'SEV2', service: 'payments', reporter: 'jane@example.com' };
    const r1 = await sendToSwitchyard(url, secret, ticket);
    expect(r1).toMatchObject({ status: 200, body: { ok: true, created: true } });
    const id = String(r1.body.incident);
    const inc = await ih.ready(id);
    expect(inc).toMatchObject({ source: 'helpdesk', severity: 'SEV2', services: ['payments'], tickets: ['HD-1001'] });
    const again = await sendToSwitchyard(url, secret, ticket);
    expect(again.body).toMatchObject({ incident: id, created: false });

    const link = await sendToSwitchyard(url, secret, {
      ticket_id: 'HD-1002',
      action: 'link',
      incident_id: id.toLowerCase(),
      reporter: 'joe@example.com',
    });
    expect(link.body).toMatchObject({ ok: true, incident: id, linked: true });
    expect((await ih.incident(id)).tickets).toEqual(['HD-1001', 'HD-1002']);
    expect(await ih.h.app.ctx.audit.query({ actor: 'helpdesk', action: 'hook helpdesk link' })).toEqual([
      expect.objectContaining({ target: id, detail: 'ticket HD-1002', outcome: 'ok' }),
    ]);
    expect((await ih.timeline(id)).some((e) => e.kind === 'ticket' && e.text.includes('HD-1002'))).toBe(true);
    const relink = await sendToSwitchyard(url, secret, { ticket_id: 'HD-1002', action: 'link', incident_id: id });
    expect(relink.body).toMatchObject({ linked: false });
    const missing = await sendToSwitchyard(url, secret, { ticket_id: 'HD-1003', action: 'link', incident_id: 'INC-999' });
    expect(missing.status).toBe(404);
  });

  it('refuses unsigned, badly signed, stale and malformed help desk requests, opening nothing', async () => {
    const url = ih.hook('/hooks/helpdesk');
    const secret = ih.secrets.helpdeskIn;
    const before = (await ih.repo().recentIds()).length;
    const body = { ticket_id: 'HD-2001', title: 'Forged' };
    expect((await sendToSwitchyard(url, secret, body, { unsigned: true })).status).toBe(401);
    expect((await sendToSwitchyard(url, secret, body, { badSignature: true })).status).toBe(401);
    expect((await sendToSwitchyard(url, secret, body, { timestamp: Math.floor(Date.now() / 1000) - 600 })).status).toBe(401);
    const bad = await sendToSwitchyard(url, secret, { ticket_id: 'HD-2002' });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('title');
    expect((await ih.repo().recentIds()).length).toBe(before);
    const refusals = await ih.h.app.ctx.audit.query({ actor: 'helpdesk', action: 'hook helpdesk' });
    expect(refusals.filter((e) => e.outcome === 'refused').length).toBeGreaterThanOrEqual(3);
  });

  it('a group firing again after its incident was resolved opens a new incident', async () => {
    const url = ih.hook('/hooks/alertmanager');
    const token = ih.secrets.alertmanager;
    const group = { alertname: 'DiskFull', service: 'payments' };
    const alert = (startsAt: string) => ({
      labels: { alertname: 'DiskFull', service: 'payments', severity: 'warning' },
      annotations: { summary: 'Disk full' },
      startsAt,
    });
    const r1 = await sendAlertmanager(url, token, alertmanagerPayload({ groupLabels: group, alerts: [alert('2026-11-24T10:00:00Z')] }));
    const id = String(r1.body.incident);
    await ih.ready(id);
    const res = await ih.h.command('U0ERIN', 'C0NOC', `/incident resolve "Cleaned up" --id ${id}`);
    expect(res.text).toContain('resolved');
    const late = await sendAlertmanager(url, token, alertmanagerPayload({ groupLabels: group, alerts: [alert('2026-11-24T10:00:00Z')] }));
    expect(late.body).toMatchObject({ incident: id, created: false });
    const again = await sendAlertmanager(url, token, alertmanagerPayload({ groupLabels: group, alerts: [alert('2026-11-24T12:00:00Z')] }));
    expect(again.body).toMatchObject({ created: true });
    expect(incidentIdIn(String(again.body.incident))).not.toBe(id);
  });

  it('retries the signed outbound help desk webhook with the same delivery id when the help desk fails', async () => {
    ih.helpdesk.failNext(1, (body) => (body.incident as { title?: string } | undefined)?.title === 'Webhook retry');
    const before = ih.helpdesk.received.length;
    const id = incidentIdIn(
      (await ih.h.command('U0ERIN', 'C0INCIDENTS', '/incident declare sev3 "Webhook retry" --service checkout')).text,
    );
    const ok = await ih.h.slack.waitFor(
      () => ih.helpdesk.events('incident.declared').find((e) => (e.body.incident as { id: string }).id === id),
      { timeoutMs: 15_000 },
    );
    const tries = ih.helpdesk.received.slice(before).filter((r) => r.body.delivery_id === ok.body.delivery_id);
    expect(tries.map((t) => t.status)).toEqual([503, 200]);
    expect(tries.every((t) => t.verified && t.headers['x-switchyard-delivery'] === ok.body.delivery_id)).toBe(true);
    expect(JSON.stringify(ih.helpdesk.received)).not.toContain(ih.secrets.helpdeskOut);
  });
});
