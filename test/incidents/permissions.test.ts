import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Message } from '../../src/local-slack/types.js';
import { incidentIdIn, startIncidents, type IncidentsHarness } from './support.js';

// From the side of someone with no business in the incident: U0GRACE holds no role, is not on
// call and was given no role on it. Each change she tries is refused naming the role needed,
// leaves the incident as it was, tells nobody, and lands in the audit trail as a refusal.
describe('who may act on an incident', () => {
  let ih: IncidentsHarness;
  beforeAll(async () => {
    ih = await startIncidents('inc-perms');
  });
  afterAll(async () => {
    await ih?.close();
  });

  const declare = async (user: string, line: string) =>
    ih.ready(incidentIdIn((await ih.h.command(user, 'C0INCIDENTS', `/incident declare ${line}`)).text));
  const summaryOf = (channel: string): Message => {
    const pinned = ih.h.slack.pins(channel);
    return ih.h.slack.messages(channel).find((m) => pinned.includes(m.ts))!;
  };
  const buttons = (m: Message) => (m.blocks ?? []).flatMap((b) => (b as { elements?: Array<Record<string, unknown>> }).elements ?? []);
  const refusals = async (actor: string) => (await ih.h.app.ctx.audit.query({ actor, limit: 100 })).filter((e) => e.outcome === 'refused');

  it('refuses ack, update, severity, status, roles and resolve to a user with no part in it, changing and telling nothing', async () => {
    const { h } = ih;
    const inc = await declare('U0ERIN', 'sev2 "Checkout down" --service checkout');
    const stakeBefore = h.slack.messages('C0STAKE').length;
    const attempts = [
      '/incident ack',
      '/incident update "All fixed, go home"',
      '/incident severity sev4',
      '/incident status monitoring',
      '/incident role commander <@U0GRACE|grace>',
      '/incident resolve "nothing to see"',
    ];
    for (const line of attempts) {
      const res = await h.command('U0GRACE', inc.channel!, line);
      expect(res.text, line).toContain('`incident-commander`');
      expect(res.text, line).toContain(inc.id);
    }
    // The Acknowledge button on the summary goes through the same check.
    const ack = buttons(summaryOf(inc.channel!)).find((e) => e.action_id === 'incident.ack')!;
    await h.slack.pressButton({
      user: 'U0GRACE',
      channel: inc.channel!,
      ts: summaryOf(inc.channel!).ts,
      actionId: String(ack.action_id),
      value: String(ack.value),
    });
    await h.slack.waitFor(() => (h.slack.ephemerals('U0GRACE').at(-1)?.text.includes('acknowledge it') ? true : undefined), {
      message: 'no refusal for the button',
    });

    const after = await ih.incident(inc.id);
    expect(after).toMatchObject({ severity: 'SEV2', status: 'investigating', updates: 0, roles: { commander: 'U0ERIN' } });
    expect(after.ackedAt).toBeUndefined();
    expect(after.resolvedAt).toBeUndefined();
    expect((await ih.timeline(inc.id)).map((e) => e.kind)).not.toEqual(expect.arrayContaining(['ack']));
    expect(h.slack.messages('C0STAKE').length).toBe(stakeBefore);
    expect(ih.helpdesk.events('incident.updated').filter((e) => (e.body.incident as { id: string }).id === inc.id)).toHaveLength(0);

    const refused = await refusals('U0GRACE');
    for (const action of [
      '/incident ack',
      '/incident update',
      '/incident severity',
      '/incident status',
      '/incident role',
      '/incident resolve',
      'button incident.ack',
    ]) {
      expect(
        refused.find((e) => e.action === action),
        action,
      ).toMatchObject({ outcome: 'refused', rule: 'role:incident-commander' });
    }
  });

  it('lets the on-call responders of the service act, by user id and by email, and refuses a bystander', async () => {
    const { h } = ih;
    // payments: on call U0CAROL (user id) and dave@example.com (looked up); U0BOB declares and commands.
    const inc = await declare('U0BOB', 'sev3 "Refund delays" --service payments');
    const ack = await h.command('U0CAROL', inc.channel!, '/incident ack');
    expect(ack.text).toContain(`You acknowledged ${inc.id}`);
    const upd = await h.command('U0DAVE', inc.channel!, '/incident update "Queue draining"');
    expect(upd.text).toContain(`Update for ${inc.id} posted`);
    const frank = await h.command('U0FRANK', inc.channel!, '/incident status identified');
    expect(frank.text).toContain('`incident-commander`');
    expect((await ih.incident(inc.id)).status).toBe('investigating');
    const sev = await h.command('U0DAVE', inc.channel!, '/incident severity sev2');
    expect(sev.text).toContain('SEV2');
    // A responder may not make themselves commander: roles stay with the commander and incident-commander.
    const crown = await h.command('U0CAROL', inc.channel!, '/incident role commander <@U0CAROL|carol>');
    expect(crown.text).toContain('`incident-commander`');
    expect((await ih.incident(inc.id)).roles.commander).toBe('U0BOB');
    const handover = await h.command('U0BOB', inc.channel!, '/incident role commander <@U0CAROL|carol>');
    expect(handover.text).toContain('<@U0CAROL> is commander');
    expect(await ih.incident(inc.id)).toMatchObject({ ackedBy: 'U0CAROL', updates: 1, severity: 'SEV2', roles: { commander: 'U0CAROL' } });
    expect((await refusals('U0FRANK')).find((e) => e.action === '/incident status')).toMatchObject({ rule: 'role:incident-commander' });
  });

  it("puts a confirmation on the summary's Resolve button", async () => {
    const inc = await declare('U0ERIN', 'sev3 "Confirm me" --service checkout');
    const resolve = buttons(summaryOf(inc.channel!)).find((e) => e.value === `${inc.id}|resolved`)!;
    expect(resolve.confirm).toMatchObject({
      title: { type: 'plain_text', text: `Resolve ${inc.id}?` },
      confirm: { text: 'Resolve' },
      deny: { text: 'Cancel' },
      style: 'danger',
    });
  });
});
