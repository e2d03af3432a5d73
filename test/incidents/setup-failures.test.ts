import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alertmanagerPayload, sendAlertmanager } from '../fakes/alertmanager.js';
import { incidentIdIn, startIncidents, testConfig, type IncidentsHarness } from './support.js';

// Incident set-up meeting what a real workspace answers: responders Slack will not invite (a
// single-channel guest, someone who left, a restricted guest), optional steps refused for good
// (missing_scope, not_in_channel), a channel that cannot be created, and an alert for a service
// nobody is on call for. Set-up must finish, say what it skipped, and never retry forever.
describe('incident set-up when Slack refuses', () => {
  let ih: IncidentsHarness;
  beforeAll(async () => {
    const config = testConfig({ SEV1: { reminderMs: 3_600_000, ackMs: 400 } });
    // Grace is a single-channel guest (already in #general) and Frank has left the company.
    config.services.checkout = {
      ...config.services.checkout!,
      oncall: { users: ['U0ERIN', 'U0GRACE', 'U0FRANK'], groups: [], emails: ['bob@example.com'] },
    };
    config.fallback = {
      oncall: { users: ['U0CAROL'], groups: [], emails: [] },
      escalation: [{ users: ['U0DAVE'], groups: [], emails: [] }],
    };
    ih = await startIncidents('inc-setup-fail', { config });
    ih.h.slack.makeGuest('U0GRACE', 'single_channel');
    ih.h.slack.deactivateUser('U0FRANK');
  });
  afterAll(async () => {
    await ih?.close();
  });

  const declare = async (user: string, line: string) =>
    incidentIdIn((await ih.h.command(user, 'C0INCIDENTS', `/incident declare ${line}`)).text);
  const invitesTo = (channel: string) => ih.h.slack.calls('conversations.invite').filter((c) => c.args.channel === channel);

  const guestAndDeparted =
    'a single-channel guest and a departed on-call do not stop the others joining: ' +
    'summary pinned, refusals on the timeline and in the channel';
  it(guestAndDeparted, async () => {
    const { h } = ih;
    const inc = await ih.ready(await declare('U0BOB', 'sev2 "Cart totals wrong" --service checkout'));
    const ch = h.slack.channel(inc.channel!)!;
    expect(ch.members).toEqual(expect.arrayContaining(['U0ERIN', 'U0BOB']));
    expect(ch.members).not.toContain('U0GRACE');
    expect(ch.members).not.toContain('U0FRANK');
    expect(inc.setup.notInvited).toEqual(
      expect.arrayContaining([
        { user: 'U0GRACE', error: 'ura_max_channels' },
        { user: 'U0FRANK', error: 'user_not_found' },
      ]),
    );
    const refused = (await ih.timeline(inc.id)).find((e) => e.text.startsWith('Could not invite'))!;
    expect(refused.text).toContain('<@U0GRACE> (a single-channel guest already in another channel: `ura_max_channels`)');
    expect(refused.text).toContain('<@U0FRANK> (no such active user (deactivated or left): `user_not_found`)');
    // One forced invite did it: Slack is not asked again and again.
    expect(invitesTo(ch.id).map((c) => c.args.force)).toEqual(['true']);
    const note = await h.slack.waitFor(() => h.slack.messages(ch.id).find((m) => m.text.includes('finished with gaps')));
    expect(note.text).toContain('Could not invite <@U0GRACE>');
    expect(note.text).toContain('Could not invite <@U0FRANK>');
  });

  it('when Slack refuses even the forced invite over one invitee, invites the rest one by one', async () => {
    const { h } = ih;
    h.slack.refuseInvites('U0ERIN', 'user_is_restricted');
    h.slack.failNext('conversations.invite', { error: 'user_is_restricted' });
    try {
      const inc = await ih.ready(await declare('U0BOB', 'sev3 "Coupons rejected" --service checkout'));
      const ch = h.slack.channel(inc.channel!)!;
      expect(ch.members).toContain('U0BOB');
      expect(ch.members).not.toContain('U0ERIN');
      expect(inc.setup.notInvited).toEqual(expect.arrayContaining([{ user: 'U0ERIN', error: 'user_is_restricted' }]));
      expect(inc.setup.invited).toEqual(expect.arrayContaining(['U0BOB']));
      // The refused forced call, then one call per responder: no retry loop.
      expect(invitesTo(ch.id).length).toBeLessThanOrEqual(
        1 + new Set([...inc.setup.invited!, ...inc.setup.notInvited!.map((n) => n.user)]).size,
      );
      expect(
        (await ih.timeline(inc.id)).some((e) =>
          e.text.includes('<@U0ERIN> (a guest account the bot may not invite: `user_is_restricted`)'),
        ),
      ).toBe(true);
    } finally {
      h.slack.refuseInvites('U0ERIN', null);
    }
  });

  it('missing_scope on bookmarks and not_in_channel on the purpose are skipped once and noted once; set-up completes', async () => {
    const { h } = ih;
    h.slack.failNext('bookmarks.add', { error: 'missing_scope' }, 2);
    h.slack.failNext('conversations.setPurpose', { error: 'not_in_channel' });
    const inc = await ih.ready(await declare('U0BOB', 'sev3 "Scopes missing" --service checkout'));
    const ch = inc.channel!;
    expect(inc.setup.skipped).toEqual([
      { step: 'channel purpose', error: 'not_in_channel' },
      { step: 'bookmark "Runbook: checkout"', error: 'missing_scope' },
      { step: 'bookmark "Checkout latency"', error: 'missing_scope' },
    ]);
    expect(h.slack.bookmarks(ch)).toEqual([]);
    expect(h.slack.calls('bookmarks.add').filter((c) => c.args.channel_id === ch)).toHaveLength(2);
    expect(h.slack.calls('conversations.setPurpose').filter((c) => c.args.channel === ch)).toHaveLength(1);
    const texts = (await ih.timeline(inc.id)).map((e) => e.text);
    expect(texts).toContain('Skipped: channel purpose (Slack answered not_in_channel)');
    expect(texts).toContain('Skipped: bookmark "Runbook: checkout" (Slack answered missing_scope)');
    const notes = await h.slack.waitFor(() => {
      const found = h.slack.messages(ch).filter((m) => m.text.includes('finished with gaps'));
      return found.length ? found : null;
    });
    expect(notes).toHaveLength(1);
    expect(notes[0]!.text).toContain('Skipped bookmark "Runbook: checkout": Slack answered `missing_scope`');
    expect(notes[0]!.text).toContain('Skipped channel purpose: Slack answered `not_in_channel`');
    // A later change retries nothing that was skipped.
    await h.command('U0BOB', ch, '/incident status identified');
    await h.slack.waitFor(() => h.slack.channel(ch)!.topic.value.startsWith('SEV3 | identified'));
    expect(h.slack.calls('bookmarks.add').filter((c) => c.args.channel_id === ch)).toHaveLength(2);
    expect(h.slack.calls('conversations.setPurpose').filter((c) => c.args.channel === ch)).toHaveLength(1);
  });

  it('an on-call email Slack will not look up (missing_scope) is skipped; the rest of the on-call is invited', async () => {
    const { h } = ih;
    h.slack.failNext('users.lookupByEmail', { error: 'missing_scope' });
    const inc = await ih.ready(await declare('U0ERIN', 'sev3 "Refund emails late" --service payments'));
    expect(h.slack.channel(inc.channel!)!.members).toEqual(expect.arrayContaining(['U0CAROL', 'U0ERIN']));
    expect(h.slack.channel(inc.channel!)!.members).not.toContain('U0DAVE'); // on call by email only
    expect(inc.setup.skipped).toEqual([{ step: 'on-call email lookup', error: 'missing_scope' }]);
    expect(h.slack.calls('users.lookupByEmail').filter((c) => c.args.email === 'dave@example.com')).toHaveLength(1);
  });

  it('a channel Slack refuses to create is reported to the declarer, once, and not retried', async () => {
    const { h } = ih;
    const before = h.slack.calls('conversations.create').length;
    h.slack.failNext('conversations.create', { error: 'restricted_action' });
    const id = await declare('U0BOB', 'sev3 "No channel for you" --service checkout');
    const dm = await h.slack.waitFor(() =>
      h.slack
        .messages(h.slack.dmChannel('U0BOB').id)
        .find((m) => m.text.includes(`${id} is declared, but Switchyard could not create the incident channel`)),
    );
    expect(dm.text).toContain('`restricted_action`');
    for (let i = 0; i < 250 && !(await ih.incident(id)).setup.failed; i++) await new Promise((r) => setTimeout(r, 20));
    expect((await ih.incident(id)).setup.failed).toBe('create the incident channel: restricted_action');
    expect(h.slack.calls('conversations.create').length - before).toBe(1);
    expect(
      (await ih.timeline(id)).some((e) => e.text === 'Set-up stopped: could not create the incident channel (restricted_action)'),
    ).toBe(true);
    await h.slack.waitFor(() =>
      h.slack.messages('C0NOC').find((m) => m.text.includes(`${id} incident declared`) && m.text.includes('no incident channel')),
    );
  });

  it('a SEV1 whose channel could not be created still escalates, by direct message', async () => {
    const { h } = ih;
    h.slack.failNext('conversations.create', { error: 'restricted_action' });
    const id = await declare('U0CAROL', 'sev1 "Payments down, no channel" --service payments');
    // Nobody can acknowledge in a channel that does not exist: payments' level 1 (Alice) is paged anyway.
    const dm = await h.slack.waitFor(() =>
      h.slack.messages(h.slack.dmChannel('U0ALICE').id).find((m) => m.text.includes(`You are paged for ${id}`)),
    );
    expect(dm.text).toContain(`/incident ack --id ${id}`);
    expect((await ih.timeline(id)).some((e) => e.kind === 'escalation' && e.text.includes('<@U0ALICE>'))).toBe(true);
  });

  it('an alert for a service nobody is on call for (SEV1) invites the fallback on-call and escalates to the fallback level', async () => {
    const { h } = ih;
    const payload = alertmanagerPayload({
      groupLabels: { alertname: 'LedgerDown', service: 'ledger' },
      alerts: [
        {
          status: 'firing',
          labels: { alertname: 'LedgerDown', service: 'ledger', severity: 'critical' },
          annotations: { summary: 'Ledger is down' },
        },
      ],
    });
    const res = await sendAlertmanager(ih.hook('/hooks/alertmanager'), ih.secrets.alertmanager, payload);
    const inc = await ih.ready(String(res.body.incident));
    expect(inc).toMatchObject({ severity: 'SEV1', services: [] });
    expect(h.slack.channel(inc.channel!)!.members).toContain('U0CAROL');
    expect(
      (await ih.timeline(inc.id)).some(
        (e) => e.text === 'No on-call configured for this incident (no known service): the fallback on-call is invited',
      ),
    ).toBe(true);
    // Nobody acknowledges within the SEV1 timeout: the fallback escalation level is paged.
    await h.slack.waitFor(() => h.slack.messages(inc.channel!).find((m) => m.text.includes('escalation level 1 paged: <@U0DAVE>')));
    expect(h.slack.channel(inc.channel!)!.members).toContain('U0DAVE');
    await h.slack.waitFor(() => h.slack.messages(h.slack.dmChannel('U0DAVE').id).find((m) => m.text.includes(`paged for ${inc.id}`)));
  });
});
