import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { servicesOf } from '../../src/domain/services.js';
import { alertmanagerPayload, sendAlertmanager } from '../fakes/alertmanager.js';
import { incidentIdIn, startIncidents, type IncidentsHarness } from '../incidents/support.js';
import { companionsModule, testPipelines } from '../pipelines/support.js';
import { buttonsOf, runIdIn, runOf, stepIs, submitForm, testRunbooks, until } from './support.js';

// Runbooks and incidents meet only through the `incidents` service and `incident.declared`: the
// matching runbooks are offered in the incident's channel, a run there attaches to the incident,
// and every step outcome reaches its timeline and so its postmortem.
describe('runbooks on incidents', () => {
  let ih: IncidentsHarness;
  beforeAll(async () => {
    ih = await startIncidents('runbooks-inc', { extraModules: [testPipelines(), companionsModule, testRunbooks()] });
  });
  afterAll(async () => {
    await ih?.close();
  });

  const offerIn = (channel: string, incident: string) =>
    ih.h.slack.waitFor(() => ih.h.slack.messages(channel).find((m) => m.text.startsWith(`Runbooks for ${incident}:`)), {
      message: `no runbook offer for ${incident}`,
    });

  const declared = 'offers the matching runbook on a declared incident (and on its pinned summary);';
  it(`${declared} its Run button starts a run attached to it; every step reaches the timeline and the postmortem`, async () => {
    const { h } = ih;
    const inc = await ih.ready(
      incidentIdIn((await h.command('U0ERIN', 'C0INCIDENTS', '/incident declare sev3 "Drill: checkout errors" --service checkout')).text),
    );
    const offer = await offerIn(inc.channel!, inc.id);
    expect(offer.text).toBe(`Runbooks for ${inc.id}: ops-drill`);
    const start = buttonsOf(offer).find((b) => b.action_id === 'runbook.start')!;
    expect(start.value).toBe(`ops-drill|${inc.id}`);
    // The pinned summary offers the same Run button, so it stays in reach once the channel scrolls.
    const pinned = h.slack.messages(inc.channel!).find((m) => h.slack.pins(inc.channel!).includes(m.ts))!;
    expect(buttonsOf(pinned).filter((b) => b.action_id === 'runbook.start')).toEqual([
      expect.objectContaining({ value: `ops-drill|${inc.id}`, text: expect.objectContaining({ text: 'Run ops-drill' }) }),
    ]);
    const before = h.slack.ephemerals('U0ERIN').length;
    await h.slack.pressButton({ user: 'U0ERIN', channel: inc.channel!, ts: offer.ts, actionId: start.action_id, value: start.value! });
    const answer = await h.slack.waitFor(() =>
      h.slack
        .ephemerals('U0ERIN')
        .slice(before)
        .find((e) => e.text.includes('Started runbook')),
    );
    const id = runIdIn(answer.text);
    expect((await runOf(h, id))!.incident).toBe(inc.id);

    await until(h, id, stepIs('look', 'ready'), 'look ready');
    await submitForm(h, 'U0ERIN', inc.channel!, id, 'runbook.done', { value: '0.5', note: 'quiet' });
    await until(h, id, stepIs('restart', 'ready'), 'restart ready');
    await submitForm(h, 'U0ERIN', inc.channel!, id, 'runbook.skip', { reason: 'the probe is flaky' });
    await until(h, id, stepIs('calm', 'ready'), 'calm ready');
    await submitForm(h, 'U0ERIN', inc.channel!, id, 'runbook.done', { note: '' });
    await until(h, id, stepIs('verify', 'ready'), 'verify ready');
    await submitForm(h, 'U0ERIN', inc.channel!, id, 'runbook.done', { note: 'all green' });
    await until(h, id, (r) => r.status === 'completed', 'completed');

    const lines = (await ih.timeline(inc.id)).filter((e) => e.kind === 'runbook').map((e) => e.text);
    const expected = [
      'started "Ops drill"',
      'step look done (Error rate (%): 0.5; note: quiet)',
      'step probe failed: exit code 3',
      'step restart skipped: the probe is flaky',
      'step calm done',
      'step rollback skipped: condition not met: look value > 5',
      'step verify done (note: all green)',
      'finished: completed',
    ];
    for (const text of expected)
      expect(
        lines.some((l) => l.startsWith(`${id} ops-drill: ${text}`)),
        text,
      ).toBe(true);

    await h.command('U0ERIN', inc.channel!, '/incident resolve "Drill over"');
    const postmortem = await waitPostmortem(inc.id);
    for (const text of expected) expect(postmortem).toContain(`${id} ops-drill: ${text}`);
  });

  it('attaches a run started in the incident channel to that incident', async () => {
    const { h } = ih;
    const inc = await ih.ready(
      incidentIdIn((await h.command('U0ERIN', 'C0INCIDENTS', '/incident declare sev4 "Refunds slow" --service payments')).text),
    );
    const res = await h.command('U0ERIN', inc.channel!, '/runbook run ops-drill');
    expect(res.text).toContain(`for ${inc.id}`);
    expect((await runOf(h, runIdIn(res.text)))!.incident).toBe(inc.id);
  });

  it('offers a runbook on an incident an Alertmanager alert opened, by its alert name and service', async () => {
    const group = { alertname: 'EchoDown', service: 'echo' };
    const payload = alertmanagerPayload({ groupLabels: group, alerts: [{ status: 'firing', labels: { ...group, severity: 'warning' } }] });
    const r = await sendAlertmanager(ih.hook('/hooks/alertmanager'), ih.secrets.alertmanager, payload);
    expect(r.status).toBe(200);
    const inc = await ih.ready(String(r.body.incident));
    expect(inc.source).toBe('alertmanager');
    const offer = await offerIn(inc.channel!, inc.id);
    expect(buttonsOf(offer).map((b) => b.value)).toEqual([`ops-drill|${inc.id}`]);
    // The same matching, offered to other capabilities (the incident summary) through the registry.
    const runbooks = servicesOf(ih.h.app.ctx).get('runbooks');
    expect(runbooks.matching({ title: inc.title, services: inc.services })).toEqual([{ name: 'ops-drill', title: 'Ops drill' }]);
    expect(runbooks.matching({ title: 'Payments slow', services: ['payments'] })).toEqual([]);
  });

  async function waitPostmortem(id: string): Promise<string> {
    for (let i = 0; i < 500; i++) {
      const md = await ih.repo().postmortem(id);
      if (md) return md;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`no postmortem for ${id}`);
  }
});
