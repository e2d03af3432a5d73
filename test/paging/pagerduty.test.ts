import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVENT_JOB } from '../../src/core/events.js';
import { pagingModuleWith } from '../../src/app/wire-paging.js';
import { JOB, jobId } from '../../src/domain/incidents/deps.js';
import { pagingFileSchema } from '../../src/domain/paging/config.js';
import { PAGE_JOB } from '../../src/domain/paging/pages.js';
import { FakePagerDuty, sendPagerDutyWebhook } from '../fakes/pagerduty.js';
import { incidentIdIn, startIncidents, type IncidentsHarness } from '../incidents/support.js';
import { channelDrained } from '../support/outbox.js';
import { jobSettled } from '../support/jobs.js';
import { secret } from './support.js';

// PagerDuty over loopback HTTP: pages follow the incident (trigger, acknowledge, resolve by the
// incident id as dedup_key), on-call comes from the schedule, an acknowledgement in PagerDuty comes
// back as a signed v3 webhook, and an outage is told once and retried.
describe('paging through PagerDuty', () => {
  const keys = { routing: secret(), token: secret(), webhook: secret() };
  let pd: FakePagerDuty;
  let ih: IncidentsHarness;

  beforeAll(async () => {
    pd = await new FakePagerDuty({ routingKeys: [keys.routing], token: keys.token }).start();
    pd.oncalls = [
      { email: 'grace@example.com', schedule: 'PSCHED1', escalation_policy: 'PPOLICY1', level: 1 },
      { email: 'alice@example.com', escalation_policy: 'PPOLICY1', level: 2 },
    ];
    const config = pagingFileSchema.parse({
      attempts: 20,
      backoff_ms: 50,
      pagerduty: {
        api_url: pd.url,
        events_url: pd.url,
        api_token_env: 'PAGERDUTY_API_TOKEN',
        webhook_secret_env: 'PAGERDUTY_WEBHOOK_SECRET',
        services: { checkout: { routing_key_env: 'PAGERDUTY_ROUTING_KEY_CHECKOUT', schedule: 'PSCHED1' } },
      },
    });
    ih = await startIncidents('paging-pd', {
      extraModules: [pagingModuleWith({ config })],
      env: {
        PAGERDUTY_API_TOKEN: keys.token,
        PAGERDUTY_WEBHOOK_SECRET: keys.webhook,
        PAGERDUTY_ROUTING_KEY_CHECKOUT: keys.routing,
      },
    });
  });
  afterAll(async () => {
    await ih?.close();
    await pd?.down();
  });

  const declare = async (line: string) =>
    ih.ready(incidentIdIn((await ih.h.command('U0BOB', 'C0INCIDENTS', `/incident declare ${line}`)).text));

  it('triggers, acknowledges and resolves the page as the incident goes, and invites who the schedule says is on call', async () => {
    const { h } = ih;
    const inc = await declare('sev1 "Checkout down" --service checkout');
    const trigger = await h.slack.waitFor(() => pd.events.find((e) => e.dedup_key === inc.id && e.event_action === 'trigger'));
    expect(trigger).toMatchObject({
      routing_key: keys.routing,
      payload: { severity: 'critical', source: 'switchyard', component: 'checkout' },
    });
    expect(trigger.payload!.summary).toContain('Checkout down');
    // On call per the PagerDuty schedule (grace@example.com is U0GRACE), not the YAML list.
    expect(inc.setup.invited).toContain('U0GRACE');
    expect(inc.setup.invited).not.toContain('U0ERIN');
    const oncall = (await ih.timeline(inc.id)).find((e) => e.text.startsWith('On call per PagerDuty:'));
    expect(oncall?.text).toContain('U0GRACE');

    await h.command('U0BOB', inc.channel!, '/incident ack');
    await h.slack.waitFor(() => pd.actions(inc.id).includes('acknowledge'));
    await h.command('U0BOB', inc.channel!, '/incident resolve "Rolled back the release"');
    await h.slack.waitFor(() => pd.actions(inc.id).includes('resolve'));
    expect(pd.actions(inc.id)).toEqual(['trigger', 'acknowledge', 'resolve']);
    expect((await ih.timeline(inc.id)).some((e) => e.kind === 'page' && e.text === 'Paged PagerDuty for checkout (SEV1)')).toBe(true);
  });

  it('does not page severities outside the policy', async () => {
    const inc = await declare('sev4 "Typo on the checkout page" --service checkout');
    // The declaration reached the paging subscriber, which queued no page.
    expect(await jobSettled(ih.h, EVENT_JOB, `incident.declared-${inc.id}`)).toBe('completed');
    expect(await jobSettled(ih.h, PAGE_JOB.name, `page-${inc.id}-pagerduty-checkout-trigger`)).toBe('gone');
    expect(pd.actions(inc.id)).toEqual([]);
    // Raised into the policy, it is paged then, once, even when raised again.
    expect((await ih.h.command('U0BOB', inc.channel!, '/incident severity sev2')).status).toBe(200);
    await ih.h.slack.waitFor(() => pd.actions(inc.id).includes('trigger') || undefined, { message: 'not paged after the raise' });
    expect((await ih.h.command('U0BOB', inc.channel!, '/incident severity sev1')).status).toBe(200);
    await ih.h.slack.waitFor(async () => (await ih.timeline(inc.id)).some((e) => e.text.includes('SEV2 → SEV1')) || undefined);
    // Every event delivered and every page job done: nothing more can come.
    await ih.h.slack.waitFor(async () => ((await ih.h.app.ctx.jobs.depth(EVENT_JOB)) === 0 ? true : undefined));
    await ih.h.slack.waitFor(async () => ((await ih.h.app.ctx.jobs.depth(PAGE_JOB.name)) === 0 ? true : undefined));
    expect(pd.actions(inc.id)).toEqual(['trigger']);
  });

  it('an acknowledgement in PagerDuty acknowledges the incident and stops its escalation, once, without paging back', async () => {
    const { h } = ih;
    const inc = await declare('sev2 "Checkout slow" --service checkout');
    await h.slack.waitFor(() => pd.actions(inc.id).includes('trigger'));
    const url = ih.hook('/hooks/pagerduty');
    const ack = { id: 'Q02JTSNZWHSEKV', event_type: 'incident.acknowledged', incident_key: inc.id, agent: 'Grace <b>Guest</b>' };

    const forged = await sendPagerDutyWebhook(url, [secret()], ack);
    expect(forged.status).toBe(401);
    expect((await ih.incident(inc.id)).ackedAt).toBeUndefined();

    // Signed while the secret rotates: the new one is among those listed.
    const first = await sendPagerDutyWebhook(url, [secret(), keys.webhook], ack);
    expect(first).toMatchObject({ status: 200, body: { ok: true, incident: inc.id, acknowledged: true } });
    const acked = await ih.incident(inc.id);
    expect(acked.ackedBy).toBe('pagerduty');
    expect(await jobSettled(h, JOB.escalate, jobId('esc', inc.id, 1))).toBe('gone');
    await h.slack.waitFor(() => h.slack.messages(inc.channel!).find((m) => m.text.includes(`acknowledged ${inc.id} in PagerDuty`)));

    const again = await sendPagerDutyWebhook(url, [keys.webhook], ack);
    expect(again).toEqual(first); // the redelivery gets the first answer, nothing runs
    const other = await sendPagerDutyWebhook(url, [keys.webhook], { ...ack, id: 'Q02JTSNZWHSEKW' });
    expect(other.body).toMatchObject({ acknowledged: false });

    // No loop: the event was delivered (it was queued before the webhook answered), and the page
    // job it queued ran and sent PagerDuty nothing.
    expect(await jobSettled(h, EVENT_JOB, `incident.acknowledged-${inc.id}`)).toBe('completed');
    expect(await jobSettled(h, PAGE_JOB.name, `page-${inc.id}-pagerduty-checkout-acknowledge`)).toBe('completed');
    expect(pd.actions(inc.id)).toEqual(['trigger']);
    const timeline = await ih.timeline(inc.id);
    expect(timeline.filter((e) => e.kind === 'ack')).toHaveLength(1);
    expect(timeline.find((e) => e.kind === 'ack')!.text).toBe('Acknowledged by Grace &lt;b&gt;Guest&lt;/b&gt; in PagerDuty');
  });

  it('PagerDuty down: the incident proceeds, the failure is told once in the channel, and the page is retried', async () => {
    const { h } = ih;
    await pd.down();
    const inc = await declare('sev1 "Checkout payments fail" --service checkout');
    const told = await h.slack.waitFor(() =>
      h.slack.messages(inc.channel!).find((m) => m.text.includes(`Could not reach PagerDuty for ${inc.id}`)),
    );
    expect(told.text).not.toContain(keys.routing);
    await pd.up();
    await h.slack.waitFor(() => pd.actions(inc.id).includes('trigger'));
    await h.slack.waitFor(() => h.slack.messages(inc.channel!).find((m) => m.text.includes('PagerDuty answers again')));
    await channelDrained(h, inc.channel!);
    expect(h.slack.messages(inc.channel!).filter((m) => m.text.includes('Could not reach PagerDuty'))).toHaveLength(1);
    expect(pd.actions(inc.id)).toEqual(['trigger']);
  });
});
