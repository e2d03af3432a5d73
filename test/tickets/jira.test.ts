import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { servicesOf } from '../../src/domain/services.js';
import { FakeJira } from '../fakes/jira.js';
import { incidentIdIn, type IncidentsHarness } from '../incidents/support.js';
import { channelDrained } from '../support/outbox.js';
import { waitFor } from '../support/redis.js';
import { CREDENTIALS, sendTicketUpdate, startTickets } from './support.js';

// Jira Service Management: a request per incident (service desk and request type per service),
// updates as internal comments, resolution through the configured transition; follow-ups filed
// as Jira issues (REST v3) and linked to the plan items the plan capability made for them.
describe('tickets in Jira Service Management', () => {
  let ih: IncidentsHarness;
  const jira = new FakeJira(CREDENTIALS.JIRA_EMAIL, CREDENTIALS.JIRA_API_TOKEN);

  beforeAll(async () => {
    await jira.server.start();
    ih = await startTickets('tickets-jira', {
      system: 'jira',
      open_for: ['SEV1', 'SEV2'],
      jira: {
        site: jira.server.url,
        services: { checkout: { service_desk_id: '1', request_type_id: '11' } },
        default: { service_desk_id: '1', request_type_id: '10' },
        resolve_transition_id: '761',
        follow_ups: { project: 'OPS' },
      },
    });
  });
  afterAll(async () => {
    await ih?.close();
    await jira.server.stop();
  });

  const declare = async (line: string) => ih.ready(incidentIdIn((await ih.h.command('U0ERIN', 'C0INCIDENTS', line)).text));
  const requestOf = (id: string) => [...jira.requests.values()].find((r) => r.summary.startsWith(`[${id}]`));

  it('opens a request, bookmarks it, comments the update, resolves through the transition', async () => {
    const { h } = ih;
    const inc = await declare('/incident declare sev2 "Checkout 500s" --service checkout');
    const req = await h.slack.waitFor(() => requestOf(inc.id), { message: 'no JSM request' });
    expect([req.serviceDeskId, req.requestTypeId]).toEqual(['1', '11']);
    const bookmark = await h.slack.waitFor(() => h.slack.bookmarks(inc.channel!).find((b) => b.title.includes(req.issueKey)));
    expect(bookmark.link).toBe(`${jira.server.url}/servicedesk/customer/portal/1/${req.issueKey}`);
    await h.command('U0ERIN', inc.channel!, '/incident update "Rolled back the deploy"');
    await h.slack.waitFor(() => req.comments.find((c) => c.body === 'Rolled back the deploy'), { message: 'no comment' });
    expect(req.comments[0]!.public).toBe(false);
    await h.command('U0ERIN', inc.channel!, '/incident resolve "Reverted the bad config"');
    await h.slack.waitFor(() => (req.status === 'Resolved' ? true : undefined), { message: 'not transitioned' });
    expect(req.comments.at(-1)!.body).toBe('Resolved in Switchyard: Reverted the bad config');
    expect(jira.requests.size).toBe(1);
  });

  it('a Jira answering 503: the failure is shown once, the request opens on a retry', async () => {
    const { h } = ih;
    jira.failNext(3);
    const inc = await declare('/incident declare sev1 "Payments down" --service payments');
    const req = await h.slack.waitFor(() => requestOf(inc.id), { timeoutMs: 20_000, message: 'not retried' });
    expect(req.requestTypeId).toBe('10');
    await h.slack.waitFor(() => h.slack.bookmarks(inc.channel!).find((b) => b.title.includes(req.issueKey)));
    await channelDrained(h, inc.channel!);
    const shown = h.slack.messages(inc.channel!).filter((m) => m.text.includes('Could not open a Jira ticket'));
    expect(shown).toHaveLength(1);
    expect(shown[0]!.text).toContain('HTTP 503 Service unavailable');
    expect(shown[0]!.text).not.toContain(CREDENTIALS.JIRA_API_TOKEN);
  });

  it('files each follow-up as a Jira issue once and links it to its plan item', async () => {
    const { h } = ih;
    const inc = await declare('/incident declare sev2 "Cart empty" --service checkout');
    await h.slack.waitFor(() => requestOf(inc.id));
    await h.command(
      'U0ERIN',
      inc.channel!,
      '/incident resolve "Fixed the cache" --follow-up "Add a canary stage" --follow-up "Alert on empty carts"',
    );
    const issues = await h.slack.waitFor(() => {
      const mine = jira.issues.filter((i) => i.labels.includes(inc.id.toLowerCase()));
      return mine.length === 2 ? mine : undefined;
    });
    expect(issues.map((i) => [i.project, i.issueType, i.summary]).sort()).toEqual([
      ['OPS', 'Task', 'Add a canary stage'],
      ['OPS', 'Task', 'Alert on empty carts'],
    ]);
    const plan = servicesOf(h.app.ctx).get('plan');
    const linked = await waitFor(
      async () => {
        const items = await Promise.all((await plan.linkedItemIds('incident', inc.id)).map((id) => plan.get(id)));
        const withJira = items.filter((i) => issues.some((j) => JSON.stringify(i).includes(`/browse/${j.key}`)));
        return withJira.length === 2 ? items : undefined;
      },
      15_000,
      'follow-up items linked to their Jira issues',
    );
    const canary = linked.find((i) => i.title === 'Add a canary stage')!;
    const key = issues.find((i) => i.summary === 'Add a canary stage')!.key;
    expect(JSON.stringify(canary)).toContain(`${jira.server.url}/browse/${key}`);
    const timeline = (await ih.timeline(inc.id)).filter((e) => e.text.includes('filed as Jira issue'));
    expect(timeline).toHaveLength(2);
    // A second resolve is refused: the follow-ups are filed once.
    await h.command('U0ERIN', inc.channel!, '/incident resolve "again" --follow-up "Add a canary stage"');
    await channelDrained(h, inc.channel!);
    expect(jira.issues.filter((i) => i.labels.includes(inc.id.toLowerCase()))).toHaveLength(2);
  });

  it('a forged update to a Jira request is refused and changes nothing; the signed one lands once', async () => {
    const req = [...jira.requests.values()][0]!;
    const id = /^\[(INC-\d+)\]/.exec(req.summary)![1]!;
    const fromDesk = async () => (await ih.timeline(id)).filter((e) => e.text.startsWith(`Ticket ${req.issueKey}`));
    const update = { delivery_id: 'j-1', ticket: req.issueKey, author: 'Agent', text: 'Refund issued' };
    const forged = await sendTicketUpdate(ih.hook('/hooks/tickets'), update, { secret: 'wrong-secret-0000' });
    expect(forged.status).toBe(401);
    expect(await fromDesk()).toEqual([]);
    for (let i = 0; i < 2; i++) expect((await sendTicketUpdate(ih.hook('/hooks/tickets'), update)).status).toBe(200);
    expect((await fromDesk()).map((e) => e.text)).toEqual([`Ticket ${req.issueKey} comment (Agent): Refund issued`]);
  });
});
