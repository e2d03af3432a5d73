import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routeInfo } from '../../src/core/routes.js';
import { alertmanagerPayload, sendAlertmanager } from '../fakes/alertmanager.js';
import { sendToSwitchyard } from '../fakes/helpdesk.js';
import { startIncidents, type IncidentsHarness } from './support.js';

// The production webhooks run through the route core: each is a defineRoute spec, every request
// is audited under the integration's name, and domain errors come back as coded answers.
describe('incident webhooks on defineRoute', () => {
  let ih: IncidentsHarness;
  beforeAll(async () => {
    ih = await startIncidents('inc-routes');
  });
  afterAll(async () => {
    await ih?.close();
  });

  it('serves only routes built by defineRoute, each saying how its sender is checked', () => {
    const routes = ih.h.app.modules.flatMap((m) => m.routes ?? []);
    expect(
      routes
        .map((r) => routeInfo(r))
        .map((i) => i && `${i.name} ${i.auth} ${i.path}`)
        .sort(),
    ).toEqual(['alertmanager bearer /hooks/alertmanager', 'helpdesk hmac /hooks/helpdesk']);
  });

  it('answers a link to an unknown incident with 404 naming the open ones, changing nothing, and audits it', async () => {
    const opened = await sendToSwitchyard(ih.hook('/hooks/helpdesk'), ih.secrets.helpdeskIn, {
      ticket_id: 'HD-R1',
      title: 'Routes ticket',
    });
    const id = String(opened.body.incident);
    const missing = await sendToSwitchyard(ih.hook('/hooks/helpdesk'), ih.secrets.helpdeskIn, {
      ticket_id: 'HD-R2',
      action: 'link',
      incident_id: 'INC-9999',
    });
    expect(missing).toMatchObject({ status: 404, body: { ok: false, error: 'not_found', hints: [expect.stringContaining(id)] } });
    expect(await ih.h.app.ctx.audit.query({ actor: 'helpdesk', action: 'hook helpdesk' })).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ outcome: 'not_found' }),
        expect.objectContaining({ action: 'hook helpdesk open', outcome: 'ok', target: id }),
      ]),
    );
    expect((await ih.incident(id)).tickets).toEqual(['HD-R1']);
  });

  it('audits an Alertmanager redelivery that changed nothing as well as the delivery that opened the incident', async () => {
    const payload = alertmanagerPayload({
      groupLabels: { alertname: 'RoutesAlert' },
      alerts: [{ labels: { alertname: 'RoutesAlert', service: 'checkout' } }],
    });
    const first = await sendAlertmanager(ih.hook('/hooks/alertmanager'), ih.secrets.alertmanager, payload);
    const again = await sendAlertmanager(ih.hook('/hooks/alertmanager'), ih.secrets.alertmanager, payload);
    expect(again.body).toMatchObject({ incident: first.body.incident, created: false, added: 0 });
    const entries = (await ih.h.app.ctx.audit.query({ actor: 'alertmanager' })).filter((e) => e.target === first.body.incident);
    expect(entries.map((e) => `${e.action} ${e.outcome}`).sort()).toEqual(['hook alertmanager ok', 'hook alertmanager open ok']);
  });
});
