import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { incidentIdIn, startIncidents, type IncidentsHarness } from './support.js';

// Declaring by command and by form, over the Slack wire: the channel, its topic, bookmarks,
// pinned summary and responders; name clashes; duplicates; bad input.
describe('declaring incidents', () => {
  let ih: IncidentsHarness;
  beforeAll(async () => {
    ih = await startIncidents('inc-declare');
  });
  afterAll(async () => {
    await ih?.close();
  });

  const today = () => new Date().toISOString().slice(0, 10).replace(/-/g, '');

  const byCommand =
    'declares by command: channel named from date, number and title, with topic, purpose, bookmarks, pinned summary and responders';
  it(byCommand, async () => {
    const { h } = ih;
    const res = await h.command('U0BOB', 'C0INCIDENTS', '/incident declare sev2 "Checkout latency" --service checkout');
    const id = incidentIdIn(res.text);
    const inc = await ih.ready(id);
    const ch = h.slack.channel(inc.channel!)!;
    expect(ch.name).toBe(`inc-${today()}-${String(inc.number).padStart(3, '0')}-checkout-latency`);
    expect(ch.topic.value).toContain('SEV2 | investigating');
    expect(ch.topic.value).toContain('<@U0BOB>'); // the declarer commands until someone else is named
    expect(ch.purpose.value).toContain(id);
    const links = h.slack.bookmarks(ch.id).map((b) => b.link);
    expect(links).toEqual(expect.arrayContaining(['https://runbooks.example.com/checkout', 'https://grafana.example.com/d/checkout']));
    // on-call: U0ERIN by id, @sre (U0ERIN, U0ALICE) by group, bob@example.com by email; and the declarer
    expect(ch.members).toEqual(expect.arrayContaining(['U0ERIN', 'U0ALICE', 'U0BOB']));
    const pinned = h.slack.pins(ch.id);
    const summary = h.slack.messages(ch.id).find((m) => pinned.includes(m.ts))!;
    expect(summary.text).toContain(`${id} SEV2 investigating`);
    expect(JSON.stringify(summary.blocks)).toContain('incident.ack');
    // announced to stakeholders, NOC, help desk and the upstream team (payments), and the help desk webhook
    for (const c of ['C0INCIDENTS', 'C0STAKE', 'C0NOC', 'C0HELPDESK', 'C0PAYMENTS']) {
      await h.slack.waitFor(() => h.slack.messages(c).some((m) => m.text.includes(`${id} incident declared`)), {
        message: `no announcement in ${c}`,
      });
    }
    const hook = await h.slack.waitFor(() =>
      ih.helpdesk.events('incident.declared').find((e) => (e.body.incident as { id: string }).id === id),
    );
    expect(hook.body.incident).toMatchObject({ severity: 'SEV2', services: ['checkout'], status: 'investigating' });
  });

  it('declares through the form opened by /incident declare without arguments', async () => {
    const { h } = ih;
    const res = await h.command('U0GRACE', 'C0GENERAL', '/incident declare');
    expect(res.text).toContain('form');
    const view = await h.slack.waitFor(() =>
      h.slack.views().find((v) => v.callback_id === 'incident.declare' && v.open && v.user === 'U0GRACE'),
    );
    const sub = await h.slack.submitView({
      user: 'U0GRACE',
      viewId: view.id,
      values: {
        title: { title: 'Payments down' },
        severity: { severity: 'SEV1' },
        services: { services: ['payments'] },
        description: { description: 'Card payments fail' },
      },
    });
    expect(sub.status).toBe(200);
    const dm = await h.slack.waitFor(() => h.slack.messages(h.slack.dmChannel('U0GRACE').id).find((m) => /Declared INC-\d+/.test(m.text)));
    const id = incidentIdIn(dm.text);
    const inc = await ih.ready(id);
    expect(inc).toMatchObject({ title: 'Payments down', severity: 'SEV1', services: ['payments'], description: 'Card payments fail' });
    const ch = h.slack.channel(inc.channel!)!;
    expect(ch.name).toMatch(/-payments-down$/);
    expect(ch.members).toEqual(expect.arrayContaining(['U0CAROL', 'U0DAVE', 'U0GRACE'])); // dave by email
    expect(h.slack.bookmarks(ch.id).map((b) => b.title)).toEqual(expect.arrayContaining(['Runbook: payments', 'Payments overview']));
  });

  it('refuses a form without a title, keeping the form open with the error', async () => {
    const { h } = ih;
    await h.command('U0GRACE', 'C0GENERAL', '/incident declare');
    const view = await h.slack.waitFor(() =>
      h.slack.views().find((v) => v.callback_id === 'incident.declare' && v.open && v.user === 'U0GRACE'),
    );
    const before = (await ih.repo().recentIds()).length;
    const sub = await h.slack.submitView({
      user: 'U0GRACE',
      viewId: view.id,
      values: { title: { title: '   ' }, severity: { severity: 'SEV3' } },
    });
    expect(sub.json).toMatchObject({ response_action: 'errors', errors: { title: expect.stringContaining('title') } });
    expect((await ih.repo().recentIds()).length).toBe(before);
  });

  it('adds a suffix when the channel name is taken', async () => {
    const { h } = ih;
    h.slack.failNext('conversations.create', { error: 'name_taken' });
    const res = await h.command('U0ERIN', 'C0INCIDENTS', '/incident declare sev3 "Search is slow" --service checkout');
    const inc = await ih.ready(incidentIdIn(res.text));
    expect(inc.channelName).toMatch(/^inc-\d{8}-\d{3}-search-is-slow-2$/);
    const tried = h.slack.calls('conversations.create').map((c) => c.args.name);
    expect(tried).toContain(inc.channelName!.replace(/-2$/, ''));
  });

  it('keeps long, odd titles within Slack rules', async () => {
    const { h } = ih;
    const res = await h.command('U0ERIN', 'C0INCIDENTS', `/incident declare sev4 "Ünïcode & ${'VERY long title '.repeat(8)}"`);
    const inc = await ih.ready(incidentIdIn(res.text));
    expect(inc.channelName!.length).toBeLessThanOrEqual(80);
    expect(inc.channelName).toMatch(/^[a-z0-9_-]+$/);
    expect(inc.channelName).toContain('-unicode-very-long-title');
  });

  it('declares once when Slack retries the same command', async () => {
    const { h } = ih;
    const first = await h.command('U0BOB', 'C0INCIDENTS', '/incident declare sev3 "Retry me"');
    const id = incidentIdIn(first.text);
    await h.slack.slashCommand({
      user: 'U0BOB',
      channel: 'C0INCIDENTS',
      command: '/incident',
      text: 'declare sev3 "Retry me"',
      triggerId: first.triggerId,
      retryNum: 1,
    });
    await ih.ready(id);
    const docs = await ih.repo().getMany(await ih.repo().recentIds());
    expect(docs.filter((d) => d.title === 'Retry me')).toHaveLength(1);
  });

  it('answers an unknown service or severity with what exists and declares nothing', async () => {
    const { h } = ih;
    const before = (await ih.repo().recentIds()).length;
    const svc = await h.command('U0BOB', 'C0INCIDENTS', '/incident declare sev2 "Oops" --service chekout');
    expect(svc.text).toContain('Unknown service `chekout`');
    expect(svc.text).toContain('checkout, payments');
    const sev = await h.command('U0BOB', 'C0INCIDENTS', '/incident declare sev9 "Oops"');
    expect(sev.text).toContain('SEV1, SEV2, SEV3, SEV4');
    expect((await ih.repo().recentIds()).length).toBe(before);
  });
});
