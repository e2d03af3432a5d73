import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVENTS } from '../../src/domain/contracts.js';
import { FakeServiceNow } from '../fakes/servicenow.js';
import { incidentIdIn, type IncidentsHarness } from '../incidents/support.js';
import { jobSettled } from '../support/jobs.js';
import { waitFor } from '../support/redis.js';
import { channelDrained } from '../support/outbox.js';
import { CREDENTIALS, sendTicketUpdate, startTickets } from './support.js';

// ServiceNow: a SEV1/SEV2 incident opens one ticket (Table API), bookmarked in its channel; updates
// become work notes, the resolution state 6 with close notes; help desk changes reach the timeline
// through the signed /hooks/tickets; a vendor that is down is shown once and retried.
describe('tickets in ServiceNow', () => {
  let ih: IncidentsHarness;
  const snow = new FakeServiceNow(CREDENTIALS.SERVICENOW_USERNAME, CREDENTIALS.SERVICENOW_PASSWORD);

  beforeAll(async () => {
    await snow.server.start();
    ih = await startTickets('tickets-snow', {
      system: 'servicenow',
      servicenow: {
        instance: snow.server.url,
        services: { checkout: { assignment_group: 'Checkout Operations' } },
        default: { assignment_group: 'Service Desk' },
      },
    });
  });
  afterAll(async () => {
    await ih?.close();
    await snow.server.stop();
  });

  const declare = async (line: string) => ih.ready(incidentIdIn((await ih.h.command('U0ERIN', 'C0INCIDENTS', line)).text));
  const ticketEntries = async (id: string) => (await ih.timeline(id)).filter((e) => e.kind === 'ticket').map((e) => e.text);

  it('opens one ticket, bookmarks it, mirrors an update as a work note and the resolution as state 6', async () => {
    const { h } = ih;
    const inc = await declare('/incident declare sev2 "Checkout 500s" --service checkout');
    const rec = await h.slack.waitFor(() => snow.byCorrelation(inc.id)[0], { message: 'no ServiceNow incident' });
    expect(rec.short_description).toBe(`[${inc.id}] Checkout 500s`);
    expect(rec.assignment_group).toBe('Checkout Operations');
    expect(rec.urgency).toBe('1');
    const bookmark = await h.slack.waitFor(() => h.slack.bookmarks(inc.channel!).find((b) => b.title.includes(rec.number)));
    expect(bookmark.link).toContain(`sys_id=${rec.sys_id}`);
    await h.slack.waitFor(() => h.slack.messages(inc.channel!).find((m) => m.text.includes(`ticket`) && m.text.includes(rec.number)));

    await h.command('U0ERIN', inc.channel!, '/incident update "Rolled back the 10:02 deploy"');
    await h.slack.waitFor(() => rec.work_notes.includes('Rolled back the 10:02 deploy') || undefined, { message: 'no work note' });
    await h.command('U0ERIN', inc.channel!, '/incident resolve "Reverted the bad config"');
    await h.slack.waitFor(() => (rec.state === '6' ? rec : undefined), { message: 'ticket not resolved' });
    expect(rec.close_notes).toBe('Reverted the bad config');
    expect(rec.close_code).toBe('Solved (Permanently)');
    await waitFor(async () => ((await ticketEntries(inc.id)).length >= 3 ? true : undefined), 10_000, 'three ticket entries');
    expect(await ticketEntries(inc.id)).toEqual([
      `ServiceNow ticket ${rec.number} opened: ${bookmark.link}`,
      `Update 1 mirrored to ServiceNow ticket ${rec.number}`,
      `ServiceNow ticket ${rec.number} resolved`,
    ]);
    expect(snow.byCorrelation(inc.id)).toHaveLength(1);
    // The credentials never reach Slack.
    for (const m of h.slack.messages(inc.channel!)) expect(m.text).not.toContain(CREDENTIALS.SERVICENOW_PASSWORD);
  });

  it('opens nothing for a severity not configured', async () => {
    const inc = await declare('/incident declare sev3 "Slow search" --service checkout');
    await jobSettled(ih.h, 'events.deliver', `incident.declared-${inc.id}`);
    expect(snow.byCorrelation(inc.id)).toHaveLength(0);
    expect(ih.h.slack.bookmarks(inc.channel!).some((b) => b.title.includes('ServiceNow'))).toBe(false);
    // Raised into a ticketed severity, it opens the ticket a declaration at that severity would have, once.
    expect((await ih.h.command('U0ERIN', inc.channel!, '/incident severity sev2')).status).toBe(200);
    await ih.h.slack.waitFor(() => snow.byCorrelation(inc.id)[0], { message: 'no ticket after the raise' });
    expect((await ih.h.command('U0ERIN', inc.channel!, '/incident severity sev1')).status).toBe(200);
    await ih.h.slack.waitFor(async () => (await ih.timeline(inc.id)).some((e) => e.text.includes('SEV2 → SEV1')) || undefined);
    // Every event delivered and every ticket job done: nothing more can come.
    await ih.h.slack.waitFor(async () => ((await ih.h.app.ctx.jobs.depth('events.deliver')) === 0 ? true : undefined));
    await ih.h.slack.waitFor(async () => ((await ih.h.app.ctx.jobs.depth('tickets.open')) === 0 ? true : undefined));
    expect(snow.byCorrelation(inc.id)).toHaveLength(1);
  });

  it('a ServiceNow that is down: the incident goes on, the failure is shown once, the ticket opens when it is back', async () => {
    const { h } = ih;
    await snow.server.stop();
    const inc = await declare('/incident declare sev1 "Payments down" --service payments');
    const failure = (m: { text: string }) => m.text.includes('Could not open a ServiceNow ticket');
    await h.slack.waitFor(() => h.slack.messages(inc.channel!).find(failure), { message: 'failure not shown' });
    await snow.server.start();
    const rec = await h.slack.waitFor(() => snow.byCorrelation(inc.id)[0], { timeoutMs: 20_000, message: 'not retried' });
    expect(rec.assignment_group).toBe('Service Desk');
    await h.slack.waitFor(() => h.slack.bookmarks(inc.channel!).find((b) => b.title.includes(rec.number)));
    await channelDrained(h, inc.channel!);
    expect(h.slack.messages(inc.channel!).filter(failure)).toHaveLength(1);
  });

  it('a redelivered declaration opens nothing twice', async () => {
    const { h } = ih;
    const inc = await declare('/incident declare sev2 "Cart empty" --service checkout');
    const rec = await h.slack.waitFor(() => snow.byCorrelation(inc.id)[0]);
    await h.slack.waitFor(() => h.slack.bookmarks(inc.channel!).find((b) => b.title.includes(rec.number)));
    const data = { incidentId: inc.id, title: inc.title, severity: inc.severity, services: inc.services, declaredBy: 'U0ERIN' };
    await h.app.ctx.events.publish(EVENTS.incidentDeclared, `${inc.id}-again`, { ...data, source: 'slack' });
    await jobSettled(h, 'events.deliver', `incident.declared-${inc.id}-again`);
    expect(await jobSettled(h, 'tickets.open', `open-${inc.id}`)).not.toBe('failed');
    await channelDrained(h, inc.channel!);
    expect(snow.byCorrelation(inc.id)).toHaveLength(1);
    expect(h.slack.bookmarks(inc.channel!).filter((b) => b.title.includes(rec.number))).toHaveLength(1);
    expect((await ih.timeline(inc.id)).filter((e) => e.text.includes('opened:'))).toHaveLength(1);
  });

  it('help desk changes reach the timeline once, signed; forged, stale and unknown ones change nothing', async () => {
    const { h } = ih;
    const inc = await declare('/incident declare sev2 "Login loops" --service checkout');
    const rec = await h.slack.waitFor(() => snow.byCorrelation(inc.id)[0]);
    await waitFor(async () => ((await ticketEntries(inc.id)).length ? true : undefined), 10_000, 'the ticket on the timeline');
    const hook = ih.hook('/hooks/tickets');
    const update = { delivery_id: 'sn-1', ticket: rec.number, author: 'Jane (help desk)', text: 'Customer confirms the workaround' };
    const fromDesk = async () => (await ih.timeline(inc.id)).filter((e) => e.text.startsWith(`Ticket ${rec.number}`)).map((e) => e.text);
    const forged = await sendTicketUpdate(hook, update, { secret: 'not-the-secret-at-all' });
    const stale = await sendTicketUpdate(hook, update, { timestamp: Math.floor(Date.now() / 1000) - 3600 });
    expect([forged.status, stale.status]).toEqual([401, 401]);
    // Refused before anything ran (the 401 is answered before dispatch).
    expect(await fromDesk()).toEqual([]);

    const first = await sendTicketUpdate(hook, update);
    expect(first).toEqual({ status: 200, body: { ok: true, incident: inc.id } });
    const again = await sendTicketUpdate(hook, update);
    expect(again.status).toBe(200);
    const state = await sendTicketUpdate(hook, { delivery_id: 'sn-2', ticket: rec.number, kind: 'state', state: 'On Hold' });
    expect(state.status).toBe(200);
    const unknown = await sendTicketUpdate(hook, { delivery_id: 'sn-3', ticket: 'INC9999999', text: 'hello' });
    expect(unknown.status).toBe(404);
    expect(await fromDesk()).toEqual([
      `Ticket ${rec.number} comment (Jane (help desk)): Customer confirms the workaround`,
      `Ticket ${rec.number} is now On Hold`,
    ]);
  });
});
