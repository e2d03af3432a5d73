import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JOB, jobId } from '../../src/domain/incidents/deps.js';
import type { Message } from '../../src/local-slack/types.js';
import { jobSettled } from '../support/jobs.js';
import { incidentIdIn, startIncidents, testConfig, type IncidentsHarness } from './support.js';

// Running an incident: updates to every audience and the help desk, reminder and escalation
// timers (short in this file), acknowledge, roles, buttons on the summary, and a restart.
describe('running an incident', () => {
  let ih: IncidentsHarness;
  beforeAll(async () => {
    ih = await startIncidents('inc-life', {
      config: testConfig({ SEV1: { reminderMs: 400, ackMs: 300 }, SEV2: { reminderMs: 600_000, ackMs: 2500 } }),
    });
  });
  afterAll(async () => {
    await ih?.close();
  });

  const declare = async (user: string, line: string) =>
    ih.ready(incidentIdIn((await ih.h.command(user, 'C0INCIDENTS', `/incident declare ${line}`)).text));
  const until = async (fn: () => Promise<unknown>) => {
    for (let i = 0; i < 250 && !(await fn()); i++) await new Promise((r) => setTimeout(r, 20));
  };
  /** The action id of the summary button carrying `value` (duplicates get `#n` suffixes). */
  const press = (user: string, channel: string, value: string) => {
    const msg = summaryOf(channel);
    const el = (msg.blocks ?? [])
      .flatMap((b) => (b as { elements?: Array<{ action_id: string; value?: string }> }).elements ?? [])
      .find((e) => e.value === value);
    if (!el) throw new Error(`no button with value ${value}`);
    return ih.h.slack.pressButton({ user, channel, ts: msg.ts, actionId: el.action_id, value });
  };
  const summaryOf = (channel: string): Message => {
    const pinned = ih.h.slack.pins(channel);
    return ih.h.slack.messages(channel).find((m) => pinned.includes(m.ts))!;
  };

  it('posts an update to the channel, stakeholders, related teams, NOC and help desk channels, and the help desk webhook', async () => {
    const { h } = ih;
    const inc = await declare('U0ERIN', 'sev2 "Checkout errors" --service checkout');
    const res = await h.command('U0ERIN', inc.channel!, '/incident update "Failover to the replica in progress"');
    expect(res.text).toContain(`Update for ${inc.id} posted`);
    for (const c of [inc.channel!, 'C0STAKE', 'C0PAYMENTS', 'C0NOC', 'C0HELPDESK']) {
      const m = await h.slack.waitFor(
        () => h.slack.messages(c).find((x) => x.text.includes(`${inc.id} status update: Failover to the replica in progress`)),
        { message: `no update in ${c}` },
      );
      expect(JSON.stringify(m.blocks)).toContain(`${inc.id} · SEV2 · investigating`);
    }
    const hook = await h.slack.waitFor(() =>
      ih.helpdesk.events('incident.updated').find((e) => (e.body.incident as { id: string }).id === inc.id),
    );
    expect(hook.body.message).toBe('Failover to the replica in progress');
    expect(hook.verified).toBe(true);
    expect((await ih.timeline(inc.id)).some((e) => e.kind === 'update' && e.text === 'Failover to the replica in progress')).toBe(true);
  });

  it('reminds the commander when no update came within the severity interval, and escalates when nobody acknowledges', async () => {
    const { h } = ih;
    const inc = await declare('U0CAROL', 'sev1 "Payments rejected" --service payments');
    expect(inc.setup.invited).not.toContain('U0ALICE'); // not on call for payments: only escalation brings her
    await h.slack.waitFor(() =>
      h.slack.messages(inc.channel!).find((m) => m.text.includes(':bell: <@U0CAROL>: no update on') && m.text.includes(inc.id)),
    );
    await h.slack.waitFor(() => h.slack.messages(h.slack.dmChannel('U0CAROL').id).find((m) => m.text.includes(`no update on ${inc.id}`)));
    // level 1 of payments' escalation is U0ALICE: invited, told in the channel and by DM
    await h.slack.waitFor(() => h.slack.channel(inc.channel!)!.members.includes('U0ALICE'));
    await h.slack.waitFor(() => h.slack.messages(inc.channel!).find((m) => m.text.includes('escalation level 1 paged: <@U0ALICE>')));
    await h.slack.waitFor(() => h.slack.messages(h.slack.dmChannel('U0ALICE').id).find((m) => m.text.includes(`paged for ${inc.id}`)));
    expect((await ih.incident(inc.id)).escalationLevel).toBe(1);
    expect((await ih.timeline(inc.id)).some((e) => e.kind === 'escalation')).toBe(true);
    await h.command('U0CAROL', inc.channel!, '/incident resolve "Card processor back"');
  });

  it("raising the severity restarts the acknowledge timer with the new severity's interval", async () => {
    const { h } = ih;
    const inc = await declare('U0CAROL', 'sev3 "Refunds slow" --service payments'); // SEV3 waits an hour
    await h.command('U0CAROL', inc.channel!, '/incident severity sev1');
    await h.slack.waitFor(() =>
      h.slack
        .messages(inc.channel!)
        .find((m) => m.text.includes(`Nobody acknowledged ${inc.id}`) && m.text.includes('escalation level 1 paged: <@U0ALICE>')),
    );
    expect((await ih.incident(inc.id)).escalationLevel).toBe(1);
    await h.command('U0CAROL', inc.channel!, '/incident resolve "Refund queue drained"');
  });

  it('Acknowledge on the summary stops the escalation', async () => {
    const { h } = ih;
    const inc = await declare('U0BOB', 'sev2 "Payment retries" --service payments');
    await press('U0CAROL', inc.channel!, inc.id);
    await until(async () => (await ih.incident(inc.id)).ackedBy);
    // The 2.5 s escalation timer is cancelled by the acknowledgement, or has run and found it acknowledged.
    await jobSettled(h, JOB.escalate, jobId('esc', inc.id, 1));
    const after = await ih.incident(inc.id);
    expect(after).toMatchObject({ ackedBy: 'U0CAROL', escalationLevel: 0 });
    expect(h.slack.channel(inc.channel!)!.members).not.toContain('U0ALICE');
    expect((await ih.timeline(inc.id)).map((e) => e.kind)).not.toContain('escalation');
    await h.slack.waitFor(() => !JSON.stringify(summaryOf(inc.channel!).blocks).includes('"incident.ack"'), {
      message: 'summary still offers Acknowledge',
    });
  });

  it('changes status and severity from the summary buttons, refusing people who do not lead the incident', async () => {
    const { h } = ih;
    const inc = await declare('U0ERIN', 'sev3 "Slow search" --service checkout');
    await press('U0ERIN', inc.channel!, `${inc.id}|identified`);
    await h.slack.waitFor(() => h.slack.channel(inc.channel!)!.topic.value.startsWith('SEV3 | identified'));
    await h.slack.waitFor(() => summaryOf(inc.channel!).text.includes('identified'));
    await press('U0GRACE', inc.channel!, `${inc.id}|SEV1`);
    await h.slack.waitFor(() => h.slack.ephemerals('U0GRACE').find((e) => e.text.includes('incident-commander')));
    expect((await ih.incident(inc.id)).severity).toBe('SEV3');
    await press('U0ERIN', inc.channel!, `${inc.id}|SEV2`);
    await h.slack.waitFor(() => h.slack.channel(inc.channel!)!.topic.value.startsWith('SEV2 | identified'));
    const kinds = (await ih.timeline(inc.id)).map((e) => `${e.kind}:${e.text}`);
    expect(kinds).toEqual(expect.arrayContaining(['status:Status investigating → identified', 'severity:Severity SEV3 → SEV2']));
    await h.slack.waitFor(() =>
      ih.helpdesk
        .events('incident.status_changed')
        .some((e) => (e.body.incident as { id: string; status: string }).status === 'identified'),
    );
  });

  it('assigns roles by command, invites the person and shows them in the topic', async () => {
    const { h } = ih;
    const inc = await declare('U0BOB', 'sev3 "Cart empty" --service checkout');
    const bad = await h.command('U0BOB', inc.channel!, '/incident role juggler <@U0DAVE|dave>');
    expect(bad.text).toContain('commander, comms, scribe');
    const res = await h.command('U0BOB', inc.channel!, '/incident role commander <@U0DAVE|dave>');
    expect(res.text).toContain('<@U0DAVE> is commander');
    await h.command('U0DAVE', inc.channel!, '/incident role scribe <@U0GRACE|grace>');
    await h.slack.waitFor(() => h.slack.channel(inc.channel!)!.topic.value.includes('IC <@U0DAVE>'));
    expect(h.slack.channel(inc.channel!)!.members).toEqual(expect.arrayContaining(['U0DAVE', 'U0GRACE']));
    expect((await ih.incident(inc.id)).roles).toEqual({ commander: 'U0DAVE', scribe: 'U0GRACE' });
    const refused = await h.command('U0GRACE', inc.channel!, '/incident role commander <@U0GRACE|grace>');
    expect(refused.text).toContain('incident-commander');
  });

  it('keeps incidents, their channel and their timers across a restart', async () => {
    const { h } = ih;
    const inc = await declare('U0ERIN', 'sev1 "Restart survivor" --service checkout');
    await h.restart();
    const show = await h.command('U0GRACE', 'C0GENERAL', `/incident show ${inc.id}`);
    expect(show.text).toContain('Restart survivor');
    expect(show.text).toContain('declared');
    const upd = await h.command('U0ERIN', inc.channel!, '/incident update "Still on it after the restart"');
    expect(upd.text).toContain(inc.id);
    const reminders = () => h.slack.messages(inc.channel!).filter((m) => m.text.includes(`no update on ${inc.id}`)).length;
    const seen = reminders();
    await h.slack.waitFor(() => reminders() > seen, { message: 'no reminder after the restart' });
    await h.command('U0ERIN', inc.channel!, '/incident resolve "done"');
  });
});
