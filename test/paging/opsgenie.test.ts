import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVENT_JOB } from '../../src/core/events.js';
import { pagingModuleWith } from '../../src/app/wire-paging.js';
import { JOB, jobId } from '../../src/domain/incidents/deps.js';
import { pagingFileSchema } from '../../src/domain/paging/config.js';
import { PAGE_JOB } from '../../src/domain/paging/pages.js';
import { FakeOpsgenie, sendOpsgenieWebhook } from '../fakes/opsgenie.js';
import { incidentIdIn, startIncidents, type IncidentsHarness } from '../incidents/support.js';
import { jobSettled } from '../support/jobs.js';
import { channelDrained } from '../support/outbox.js';
import { secret } from './support.js';

// Opsgenie over loopback HTTP: an alert per paged incident (alias = incident id) to the service's
// team, on-call from its schedule, and an acknowledgement made in Opsgenie coming back through the
// outgoing webhook, authenticated by the secret header the integration is configured to send.
describe('paging through Opsgenie', () => {
  const keys = { api: secret(), webhook: secret() };
  let og: FakeOpsgenie;
  let ih: IncidentsHarness;

  beforeAll(async () => {
    og = await new FakeOpsgenie(keys.api).start();
    og.schedules = { payments_schedule: ['dave@example.com', 'nobody@elsewhere.example'] };
    const config = pagingFileSchema.parse({
      attempts: 20,
      backoff_ms: 50,
      opsgenie: {
        api_url: og.url,
        api_key_env: 'OPSGENIE_API_KEY',
        webhook: { secret_env: 'OPSGENIE_WEBHOOK_SECRET', auth: 'header', header: 'X-Switchyard-Token' },
        services: { payments: { team: 'payments-team', schedule: 'payments_schedule' } },
      },
    });
    ih = await startIncidents('paging-og', {
      extraModules: [pagingModuleWith({ config })],
      env: { OPSGENIE_API_KEY: keys.api, OPSGENIE_WEBHOOK_SECRET: keys.webhook },
    });
  });
  afterAll(async () => {
    await ih?.close();
    await og?.close();
  });

  const declare = async (line: string) =>
    ih.ready(incidentIdIn((await ih.h.command('U0CAROL', 'C0INCIDENTS', `/incident declare ${line}`)).text));

  it('creates an alert for the team and invites who the schedule says is on call', async () => {
    const inc = await declare('sev1 "Card payments rejected" --service payments');
    const created = await ih.h.slack.waitFor(() => og.calls.find((c) => c.alias === inc.id && c.action === 'create'));
    expect(created.body).toMatchObject({ priority: 'P1', responders: [{ name: 'payments-team', type: 'team' }], source: 'Switchyard' });
    expect(String(created.body.message)).toContain('Card payments rejected');
    expect(inc.setup.invited).toContain('U0DAVE');
    const oncall = (await ih.timeline(inc.id)).find((e) => e.text.startsWith('On call per Opsgenie:'));
    expect(oncall?.text).toContain('U0DAVE');
    await ih.h.command('U0CAROL', inc.channel!, '/incident resolve "Processor failover"');
    await ih.h.slack.waitFor(() => og.actions(inc.id).includes('close'));
    expect(og.actions(inc.id)).toEqual(['create', 'close']);
  });

  it('an acknowledgement in Opsgenie acknowledges the incident as the Slack user of that email; a forged one does nothing', async () => {
    const { h } = ih;
    const inc = await declare('sev2 "Refunds failing" --service payments');
    await h.slack.waitFor(() => og.actions(inc.id).includes('create'));
    const url = ih.hook('/hooks/opsgenie');
    const ack = { action: 'Acknowledge', alias: inc.id, username: 'dave@example.com' };

    expect((await sendOpsgenieWebhook(url, {}, ack)).status).toBe(401);
    expect((await sendOpsgenieWebhook(url, { 'X-Switchyard-Token': secret() }, ack)).status).toBe(401);
    expect((await ih.incident(inc.id)).ackedAt).toBeUndefined();

    const first = await sendOpsgenieWebhook(url, { 'X-Switchyard-Token': keys.webhook }, ack);
    expect(first).toMatchObject({ status: 200, body: { ok: true, incident: inc.id, acknowledged: true } });
    expect((await ih.incident(inc.id)).ackedBy).toBe('U0DAVE');
    expect(await jobSettled(h, JOB.escalate, jobId('esc', inc.id, 1))).toBe('gone');

    // Not sent back to Opsgenie: the page job of the acknowledgement ran and sent nothing.
    expect(await jobSettled(h, EVENT_JOB, `incident.acknowledged-${inc.id}`)).toBe('completed');
    expect(await jobSettled(h, PAGE_JOB.name, `page-${inc.id}-opsgenie-payments-acknowledge`)).toBe('completed');
    expect(og.actions(inc.id)).toEqual(['create']);

    // Opsgenie sends no delivery id: a repeat finds the incident acknowledged and changes nothing.
    const again = await sendOpsgenieWebhook(url, { 'X-Switchyard-Token': keys.webhook }, ack);
    expect(again.body).toMatchObject({ incident: inc.id, acknowledged: false });
    expect((await ih.timeline(inc.id)).filter((e) => e.kind === 'ack')).toHaveLength(1);
    // Other actions are answered and ignored.
    const closed = await sendOpsgenieWebhook(url, { 'X-Switchyard-Token': keys.webhook }, { ...ack, action: 'Close' });
    expect(closed.body).toMatchObject({ ignored: 'Close' });
  });

  it('Opsgenie down: the incident proceeds, the failure is told once in the channel, the alert created once it answers', async () => {
    const { h } = ih;
    await og.down();
    const inc = await declare('sev2 "Refunds stuck" --service payments');
    const told = await h.slack.waitFor(() =>
      h.slack.messages(inc.channel!).find((m) => m.text.includes(`Could not reach Opsgenie for ${inc.id}`)),
    );
    expect(told.text).not.toContain(keys.api);
    await og.up();
    await h.slack.waitFor(() => og.actions(inc.id).includes('create'));
    await channelDrained(h, inc.channel!);
    expect(h.slack.messages(inc.channel!).filter((m) => m.text.includes('Could not reach Opsgenie'))).toHaveLength(1);
    expect(og.actions(inc.id)).toEqual(['create']);
  });
});
