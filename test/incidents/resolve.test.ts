import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DomainEvent } from '../../src/core/events.js';
import type { ModuleFactory } from '../../src/core/module.js';
import { EVENTS } from '../../src/domain/contracts.js';
import { servicesOf } from '../../src/domain/services.js';
import { incidentIdIn, startIncidents, type IncidentsHarness } from './support.js';
import { toPlainText } from '../../src/core/outbound.js';

// The timeline (automatic entries, notes, reactions, the message shortcut), resolving with a
// postmortem draft, the incident.resolved event, listings and metrics.
const published: DomainEvent[] = [];
const eventProbe: ModuleFactory = () => ({
  name: 'event-probe',
  subscriptions: [
    { name: 'probe.declared', type: EVENTS.incidentDeclared, handle: async (e) => void published.push(e) },
    { name: 'probe.resolved', type: EVENTS.incidentResolved, handle: async (e) => void published.push(e) },
  ],
});

describe('timeline and closing', () => {
  let ih: IncidentsHarness;
  beforeAll(async () => {
    ih = await startIncidents('inc-resolve', { extraModules: [eventProbe] });
  });
  afterAll(async () => {
    await ih?.close();
  });

  it('records notes, reacted messages and shortcut messages on the timeline', async () => {
    const { h } = ih;
    const inc = await ih.ready(
      incidentIdIn((await h.command('U0ERIN', 'C0INCIDENTS', '/incident declare sev3 "Timeline demo" --service checkout')).text),
    );
    const note = await h.command('U0BOB', inc.channel!, '/incident note "Rolled the feature flag back"');
    expect(note.text).toContain(`${inc.id} timeline`);
    const msg = h.slack.postAsUser('U0ERIN', inc.channel!, 'Found a bad config push at 10:02');
    await h.slack.reactionAdded('U0BOB', inc.channel!, msg.ts, 'pushpin');
    await h.slack.reactionAdded('U0ERIN', inc.channel!, msg.ts, 'pushpin'); // a second pin of the same message: one entry
    await h.slack.reactionAdded('U0BOB', inc.channel!, msg.ts, 'thumbsup'); // not the timeline emoji
    const other = h.slack.postAsUser('U0ERIN', inc.channel!, 'Customer reports from the EU');
    const sc = await h.slack.messageShortcut({
      user: 'U0FRANK',
      channel: inc.channel!,
      ts: other.ts,
      callbackId: 'incident.note_from_message',
    });
    expect(sc.status).toBe(200);
    await h.slack.waitFor(() => h.slack.messages(inc.channel!, { threadTs: msg.ts }).some((m) => m.text.includes(`${inc.id} timeline`)));
    const notesOf = async () => (await ih.timeline(inc.id)).filter((e) => e.kind === 'note');
    let notes = await notesOf();
    for (let i = 0; i < 250 && notes.length < 3; i++) {
      await new Promise((r) => setTimeout(r, 20));
      notes = await notesOf();
    }
    expect(notes.map((n) => toPlainText(n.text))).toEqual([
      'Rolled the feature flag back',
      '<@U0ERIN>: Found a bad config push at 10:02', // the reacted message's own text
      '<@U0ERIN>: Customer reports from the EU',
    ]);
    expect(notes[1]!.ref?.ts).toBe(msg.ts);
    const elsewhere = await h.slack.messageShortcut({
      user: 'U0FRANK',
      channel: 'C0GENERAL',
      ts: h.slack.postAsUser('U0FRANK', 'C0GENERAL', 'hi').ts,
      callbackId: 'incident.note_from_message',
    });
    expect(elsewhere.status).toBe(200);
    await h.slack.waitFor(() => h.slack.ephemerals('U0FRANK').find((e) => e.text.includes('belongs to no incident')));
  });

  it('resolves through the form: final update everywhere, postmortem with the timeline in order, follow-ups published', async () => {
    const { h } = ih;
    const inc = await ih.ready(
      incidentIdIn((await h.command('U0ERIN', 'C0INCIDENTS', '/incident declare sev2 "Checkout 500s" --service checkout')).text),
    );
    await h.command('U0ERIN', inc.channel!, '/incident ack');
    await h.command('U0ERIN', inc.channel!, '/incident status identified');
    await h.command('U0ERIN', inc.channel!, '/incident update "Bad deploy found"');
    await h.command('U0ERIN', inc.channel!, '/incident role scribe <@U0FRANK|frank>');
    const res = await h.command('U0ERIN', inc.channel!, '/incident resolve');
    expect(res.text).toContain('form');
    const view = await h.slack.waitFor(() =>
      h.slack.views().find((v) => v.callback_id === 'incident.resolve' && v.open && v.user === 'U0ERIN'),
    );
    const empty = await h.slack.submitView({ user: 'U0ERIN', viewId: view.id, values: { resolution: { resolution: '   ' } } });
    expect(empty.json).toMatchObject({ response_action: 'errors' });
    await h.slack.submitView({
      user: 'U0ERIN',
      viewId: view.id,
      values: {
        resolution: { resolution: 'Rolled back release 4.2' },
        followups: { followups: '- Add a canary stage\n- Alert on 5xx ratio\n' },
      },
    });

    for (const c of [inc.channel!, 'C0STAKE', 'C0NOC', 'C0HELPDESK']) {
      await h.slack.waitFor(() => h.slack.messages(c).find((m) => m.text.includes(`${inc.id} resolved: Rolled back release 4.2`)), {
        message: `no final update in ${c}`,
      });
    }
    const posted = await h.slack.waitFor(() =>
      h.slack.messages(inc.channel!).find((m) => m.text.startsWith(`Postmortem draft for ${inc.id}`)),
    );
    expect(JSON.stringify(posted.blocks)).toContain('## Timeline');
    const md = (await ih.repo().postmortem(inc.id))!;
    for (const section of ['## Summary', '## Impact', '## Durations', '## Roles', '## Timeline (UTC)', '## Follow-ups'])
      expect(md).toContain(section);
    expect(md).toContain('Rolled back release 4.2');
    expect(md).toMatch(/Time to acknowledge: \d+(ms|s)/);
    expect(md).toMatch(/Time to resolve: \d+(ms|s)/);
    expect(md).toContain('- Scribe: @U0FRANK');
    expect(md).toContain('- [ ] Add a canary stage');
    const order = [
      'declared:',
      'ack:',
      'status: Status investigating → identified',
      'update: Bad deploy found',
      'role: Scribe',
      'resolved: Resolved',
    ].map((k) => md.indexOf(`| ${k}`));
    expect(order.every((i) => i > 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);

    const event = await h.slack.waitFor(() => published.find((e) => e.type === EVENTS.incidentResolved && e.data.incidentId === inc.id));
    expect(event.data).toMatchObject({
      services: ['checkout'],
      severity: 'SEV2',
      followUps: ['Add a canary stage', 'Alert on 5xx ratio'],
      resolvedBy: 'U0ERIN',
    });
    expect(published.some((e) => e.type === EVENTS.incidentDeclared && e.data.incidentId === inc.id)).toBe(true);
    await h.slack.waitFor(() => ih.helpdesk.events('incident.resolved').some((e) => (e.body.incident as { id: string }).id === inc.id));
    const again = await h.command('U0ERIN', inc.channel!, '/incident update "more"');
    expect(again.text).toContain('is resolved');
    const show = await h.command('U0GRACE', 'C0GENERAL', `/incident show ${inc.id} --postmortem`);
    expect(show.text).toContain(`# Postmortem draft: ${inc.id}`);
  });

  it('lists incidents, shows one, and reports MTTA and MTTR; the incidents service answers other capabilities', async () => {
    const { h } = ih;
    const open = await h.command('U0GRACE', 'C0GENERAL', '/incident list --open');
    expect(open.text).toContain('Timeline demo');
    expect(open.text).not.toContain('Checkout 500s');
    const all = await h.command('U0GRACE', 'C0GENERAL', '/incident list');
    expect(all.text).toContain('Checkout 500s');
    const metrics = await h.command('U0GRACE', 'C0GENERAL', '/incident metrics --since 30d');
    expect(metrics.text).toMatch(/MTTA\): \*\d+(ms|s)\* over 1 acknowledged/);
    expect(metrics.text).toMatch(/MTTR\): \*\d+(ms|s)\* over 1 resolved/);
    const bad = await h.command('U0GRACE', 'C0GENERAL', '/incident metrics --since forever');
    expect(bad.text).toContain('not a duration');
    const missing = await h.command('U0GRACE', 'C0GENERAL', '/incident show INC-999');
    expect(missing.text).toContain('Unknown incident');
    const svc = servicesOf(h.app.ctx).get('incidents');
    const openList = await svc.openIncidents({ service: 'checkout' });
    expect(openList.map((i) => i.title)).toContain('Timeline demo');
    await svc.addTimelineEntry(openList[0]!.id, { kind: 'fix-deploy', text: 'from another capability' });
    expect((await ih.timeline(openList[0]!.id)).some((e) => e.text === 'from another capability')).toBe(true);
  });

  it('resolving again finishes a resolve that stopped half-way, once, with the resolution recorded the first time', async () => {
    const { h } = ih;
    const inc = await ih.ready(
      incidentIdIn((await h.command('U0ERIN', 'C0INCIDENTS', '/incident declare sev3 "Half-way resolve" --service checkout')).text),
    );
    // What a resolve leaves when the process dies right after the state change.
    await ih.repo().update(inc.id, (cur) => ({
      ...cur,
      status: 'resolved',
      resolvedAt: Date.now(),
      resolvedBy: 'U0ERIN',
      resolution: 'Restarted the cache',
      followUps: ['Size the cache'],
    }));
    expect(await ih.repo().postmortem(inc.id)).toBeNull();

    const res = await h.command('U0ERIN', inc.channel!, '/incident resolve "typed again"');
    expect(res.text).toContain('finished with its recorded resolution');
    const md = (await ih.repo().postmortem(inc.id))!;
    expect(md).toContain('Restarted the cache');
    expect(md).not.toContain('typed again');
    expect((await ih.timeline(inc.id)).filter((e) => e.kind === 'resolved')).toHaveLength(1);
    const event = await h.slack.waitFor(() => published.find((e) => e.type === EVENTS.incidentResolved && e.data.incidentId === inc.id));
    expect(event.data).toMatchObject({ followUps: ['Size the cache'], resolvedBy: 'U0ERIN' });
    await h.slack.waitFor(() => h.slack.messages('C0NOC').find((m) => m.text.includes(`${inc.id} resolved: Restarted the cache`)));

    const again = await h.command('U0ERIN', inc.channel!, '/incident resolve "once more"');
    expect(again.text).toContain('already resolved');
    expect(h.slack.messages('C0NOC').filter((m) => m.text.includes(`${inc.id} resolved:`))).toHaveLength(1);
  });
});
