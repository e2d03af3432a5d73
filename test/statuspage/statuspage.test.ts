import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { statuspageModuleWith } from '../../src/app/wire-statuspage.js';
import { statuspageConfigSchema } from '../../src/domain/statuspage/config.js';
import { FakeStatuspage } from '../fakes/statuspage.js';
import { incidentIdIn, startIncidents, type IncidentsHarness } from '../incidents/support.js';
import { channelDrained } from '../support/outbox.js';
import { waitFor } from '../support/redis.js';

// The comms role publishes the customer-facing incident to Statuspage (a loopback fake of its REST
// API); updates patch it, resolving the Switchyard incident resolves it, an outage is told once.
describe('Statuspage', () => {
  let ih: IncidentsHarness;
  let page: FakeStatuspage;
  const key = randomBytes(16).toString('hex');
  const CHECKOUT = 'ftgks51sfs2d';

  beforeAll(async () => {
    page = await new FakeStatuspage('kctbh9vrtdwd', key).start();
    const config = statuspageConfigSchema.parse({ page_id: 'kctbh9vrtdwd', api_url: page.url, components: { checkout: CHECKOUT } });
    ih = await startIncidents('statuspage', {
      extraModules: [statuspageModuleWith({ config, retry: { attempts: 5, backoffMs: 50 } })],
      env: { STATUSPAGE_API_KEY: key },
    });
  });
  afterAll(async () => {
    await ih?.close();
    await page?.stop();
  });

  const declare = async (title: string) =>
    ih.ready(incidentIdIn((await ih.h.command('U0ERIN', 'C0INCIDENTS', `/incident declare sev2 "${title}" --service checkout`)).text));

  const resolve = async (id: string, channel: string) => {
    await ih.h.command('U0ERIN', channel, '/incident resolve');
    const view = await ih.h.slack.waitFor(() => ih.h.slack.views().find((v) => v.callback_id === 'incident.resolve' && v.open));
    await ih.h.slack.submitView({ user: 'U0ERIN', viewId: view.id, values: { resolution: { resolution: `Fixed ${id}` } } });
  };

  it('previews, publishes, updates, and resolves with the incident; each publish audited and on the timeline', async () => {
    const { h } = ih;
    const inc = await declare('Checkout latency');
    const line = '/incident statuspage "Some customers see slow checkouts" --component checkout --status degraded_performance';
    const preview = await h.command('U0CAROL', inc.channel!, line);
    expect(preview.text).toContain('New status page incident');
    expect(preview.text).toContain('--yes');
    expect(page.calls).toHaveLength(0);

    const sent = await h.command('U0CAROL', inc.channel!, `${line} --yes`);
    expect(sent.text).toContain('Sending to the status page');
    await h.slack.waitFor(() => page.incidents.size === 1 || undefined);
    const [created] = [...page.incidents.values()];
    expect(created).toMatchObject({
      name: 'Checkout latency',
      status: 'investigating',
      components: { [CHECKOUT]: 'degraded_performance' },
    });
    expect(created!.updates[0]!.body).toBe('Some customers see slow checkouts');
    expect(page.calls[0]).toMatchObject({ method: 'POST', path: '/v1/pages/kctbh9vrtdwd/incidents', authorization: `OAuth ${key}` });
    await waitFor(async () =>
      (await ih.timeline(inc.id)).find((e) => e.kind === 'statuspage' && e.text.includes('Some customers see slow')),
    );

    await h.command('U0ERIN', inc.channel!, '/incident status identified');
    const upd = await h.command('U0CAROL', inc.channel!, '/incident statuspage "We found the cause; a fix is rolling out" --yes');
    expect(upd.text).toContain('Update to status page incident');
    await h.slack.waitFor(() => created!.updates.length === 2 || undefined);
    expect(page.incidents.size).toBe(1);
    expect(created).toMatchObject({ status: 'identified' });
    expect(page.calls[1]).toMatchObject({ method: 'PATCH', path: `/v1/pages/kctbh9vrtdwd/incidents/${created!.id}` });

    await resolve(inc.id, inc.channel!);
    await h.slack.waitFor(() => (created!.status === 'resolved' ? true : undefined));
    expect(created!.components).toEqual({ [CHECKOUT]: 'operational' });
    await waitFor(async () => (await ih.timeline(inc.id)).find((e) => e.text.startsWith('Resolved the status page incident')));
    const audit = await h.app.ctx.audit.query({ action: 'statuspage publish', limit: 20 });
    expect(audit.filter((e) => e.target === inc.id && e.outcome === 'ok')).toHaveLength(3);
    expect(JSON.stringify(audit)).not.toContain(key);
  });

  it('refuses someone without the comms role and sends nothing', async () => {
    const inc = await declare('Refused publish');
    const calls = page.calls.length;
    const res = await ih.h.command('U0GRACE', inc.channel!, '/incident statuspage "Everything is down" --yes');
    expect(res.text).toMatch(/comms/);
    const refused = await ih.h.app.ctx.audit.query({ actor: 'U0GRACE', limit: 20 });
    expect(refused.some((e) => e.outcome === 'refused')).toBe(true);
    expect(page.calls).toHaveLength(calls);
    expect((await ih.timeline(inc.id)).some((e) => e.kind === 'statuspage')).toBe(false);
  });

  it('when Statuspage is down: the failure is shown once in the channel and the publish retried until it lands', async () => {
    const { h } = ih;
    const inc = await declare('Payments errors');
    const before = page.incidents.size;
    page.failNext(3);
    await h.command('U0CAROL', inc.channel!, '/incident statuspage "Payments may fail" --component checkout --status major_outage --yes');
    await h.slack.waitFor(() => page.incidents.size === before + 1 || undefined, { timeoutMs: 20_000 });
    await waitFor(async () => (await ih.timeline(inc.id)).find((e) => e.kind === 'statuspage'));
    await channelDrained(h, inc.channel!);
    const warnings = h.slack.messages(inc.channel!).filter((m) => m.text.includes('could not be updated'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.text).toContain('HTTP 503');
    expect(page.calls.filter((c) => c.status === 503)).toHaveLength(3);
  });
});
