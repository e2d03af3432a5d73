import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planModule } from '../../src/app/wire-plan.js';
import { EVENTS, type RunStatus } from '../../src/domain/contracts.js';
import type { Iteration, PlanItem } from '../../src/domain/plan/model.js';
import { servicesOf } from '../../src/domain/services.js';
import { startHarness, type Harness } from '../support/harness.js';
import { eventually, FakeWorld } from './fake-capabilities.js';
import { toPlainText } from '../../src/core/outbound.js';

type Btn = { action_id: string; value?: string };

// The shortcut, the App Home board, events from other capabilities (through the real queue) and
// iteration close, all through the local Slack workspace.
describe('/plan flows', () => {
  let h: Harness;
  const world = new FakeWorld();
  const store = () => h.app.ctx.store;
  const item = (id: string) => store().getJson<PlanItem>(store().key('plan', 'item', id));
  const allItems = async () => {
    const ids = await store().zRange(store().key('plan', 'items'));
    return (await Promise.all(ids.map((e) => item(e.member)))).filter((i): i is PlanItem => i !== null);
  };
  const idOf = (text: string) => /PLAN-\d+/.exec(text)?.[0] ?? '';
  const homeButtons = (user: string): Btn[] =>
    (h.slack.homeView(user)?.blocks ?? []).flatMap((b) => (b.type === 'actions' ? (b.elements as Btn[]) : []));

  beforeAll(async () => {
    h = await startHarness({ name: 'plan-flows', modules: [world.module(), planModule] });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('"Add to plan" opens a prefilled modal and creates an item quoting the message, linked back to it', async () => {
    const msg = h.slack.postAsUser('U0ERIN', 'C0INCIDENTS', 'Checkout p99 doubled after the 14:00 deploy\nsee the dashboard');
    await h.slack.messageShortcut({ user: 'U0CAROL', channel: 'C0INCIDENTS', ts: msg.ts, callbackId: 'plan.add_from_message' });
    const modal = await h.slack.waitFor(() =>
      h.slack.views().find((v) => v.callback_id === 'plan.add_from_message' && v.open && v.user === 'U0CAROL'),
    );
    const titleInput = modal.blocks.find((b) => b.block_id === 'title') as { element: { initial_value: string } };
    expect(titleInput.element.initial_value).toBe('Checkout p99 doubled after the 14:00 deploy');

    const dmBefore = h.slack.messages(h.slack.dmChannel('U0CAROL').id).length;
    const res = await h.slack.submitView({
      user: 'U0CAROL',
      viewId: modal.id,
      values: { title: { value: 'Find the p99 regression' }, kind: { value: 'bug' }, service: { value: 'checkout' } },
    });
    expect(res.status).toBe(200);
    const dm = await h.slack.waitFor(() =>
      h.slack
        .messages(h.slack.dmChannel('U0CAROL').id)
        .slice(dmBefore)
        .find((m) => m.text.includes('Added *PLAN-')),
    );
    const created = await item(idOf(dm.text));
    const permalink = `https://slack.com/archives/C0INCIDENTS/p${msg.ts.replace('.', '')}`;
    expect(created).toMatchObject({
      title: 'Find the p99 regression',
      kind: 'bug',
      service: 'checkout',
      owner: 'U0CAROL',
      createdBy: 'U0CAROL',
      state: 'backlog',
    });
    expect(created?.description).toContain('> Checkout p99 doubled after the 14:00 deploy\n> see the dashboard');
    expect(toPlainText(created?.description ?? '')).toContain('<@U0ERIN> in <#C0INCIDENTS>');
    expect(created?.links).toEqual([expect.objectContaining({ type: 'message', url: permalink })]);
    const shown = await h.command('U0CAROL', 'C0GENERAL', `/plan show ${created!.id}`);
    expect(shown.text).toContain('> Checkout p99 doubled');
    expect(shown.text).toContain(`<${permalink}|Slack message>`);
  });

  it('keeps the modal open with a message when the service is not a service name', async () => {
    const msg = h.slack.postAsUser('U0BOB', 'C0GENERAL', 'We should cache the tax tables');
    await h.slack.messageShortcut({ user: 'U0BOB', channel: 'C0GENERAL', ts: msg.ts, callbackId: 'plan.add_from_message' });
    const modal = await h.slack.waitFor(() =>
      h.slack.views().find((v) => v.callback_id === 'plan.add_from_message' && v.open && v.user === 'U0BOB'),
    );
    const before = (await allItems()).length;
    const res = await h.slack.submitView({ user: 'U0BOB', viewId: modal.id, values: { service: { value: 'Tax Tables!' } } });
    expect(res.json).toMatchObject({ response_action: 'errors', errors: { service: expect.stringContaining('Lowercase') } });
    expect(h.slack.view(modal.id)?.open).toBe(true);
    expect((await allItems()).length).toBe(before);
  });

  it('shows the App Home board of the user by state, and its buttons move items', async () => {
    const a = idOf((await h.command('U0DAVE', 'C0GENERAL', '/plan add "Board item one" --next')).text);
    const b = idOf((await h.command('U0DAVE', 'C0GENERAL', '/plan add "Board item two"')).text);
    await h.command('U0BOB', 'C0GENERAL', '/plan add "Someone else\'s item" --next');
    await h.slack.appHomeOpened('U0DAVE');
    await h.slack.waitFor(() => homeButtons('U0DAVE').length > 0);
    const text = JSON.stringify(h.slack.homeView('U0DAVE')?.blocks);
    expect(text).toContain('Your plan');
    expect(text).toContain('Iteration 1');
    expect(text).toContain('*Next* (1)');
    expect(text).toContain('*Backlog* (1)');
    expect(text).not.toContain('Someone else');
    expect(homeButtons('U0DAVE')).toContainEqual(expect.objectContaining({ action_id: 'plan.to.doing', value: a }));
    expect(homeButtons('U0DAVE')).toContainEqual(expect.objectContaining({ action_id: 'plan.to.next', value: b }));

    const publishes = h.slack.calls('views.publish').length;
    await h.slack.pressButton({ user: 'U0DAVE', viewId: h.slack.homeView('U0DAVE')!.id, actionId: 'plan.to.doing', value: a });
    await eventually(async () => (await item(a))?.state === 'doing');
    await h.slack.waitFor(
      () => h.slack.calls('views.publish').length > publishes && JSON.stringify(h.slack.homeView('U0DAVE')?.blocks).includes('*Doing* (1)'),
    );
    expect(homeButtons('U0DAVE')).toContainEqual(expect.objectContaining({ action_id: 'plan.to.done', value: a }));

    await h.slack.pressButton({ user: 'U0DAVE', viewId: h.slack.homeView('U0DAVE')!.id, actionId: 'plan.to.next', value: b });
    await eventually(async () => (await item(b))?.state === 'next');
    expect((await item(b))?.iteration).toBe((await item(a))?.iteration);
    // The pipeline records the press once the handler has answered: wait for it, do not race it.
    const audit = await h.slack.waitFor(async () => (await h.app.ctx.audit.query({ actor: 'U0DAVE', action: 'button plan.to.next' }))[0]);
    expect(audit).toMatchObject({ outcome: 'ok', target: b });
  });

  it('marks a linked item shipped when its run succeeds in production, once, and not for staging or failures', async () => {
    world.addRun('run-100', { env: 'production' });
    world.addRun('run-101', { env: 'staging' });
    world.addRun('run-102', { env: 'production', params: { plan: 'PLAN-1' } });
    const target = idOf((await h.command('U0BOB', 'C0GENERAL', '/plan add "Ship me" --next --service checkout')).text);
    const other = idOf((await h.command('U0BOB', 'C0GENERAL', '/plan add "Staging only" --next')).text);
    await h.command('U0BOB', 'C0GENERAL', `/plan link ${target} run-100`);
    await h.command('U0BOB', 'C0GENERAL', `/plan link ${other} run-101`);
    const finished = (runId: string, env: string, status: RunStatus = 'succeeded') => ({
      runId,
      pipeline: 'checkout-deploy',
      service: 'checkout',
      env,
      ref: 'main',
      status,
      triggeredBy: 'U0BOB',
    });

    await h.app.ctx.events.publish(EVENTS.runFinished, 'run-101', finished('run-101', 'staging'));
    await h.app.ctx.events.publish(EVENTS.runFinished, 'run-100-failed', finished('run-100', 'production', 'failed'));
    await h.app.ctx.events.publish(EVENTS.runFinished, 'run-100', finished('run-100', 'production'));
    await eventually(async () => (await item(target))?.state === 'done');
    expect((await item(target))?.shipped).toMatchObject({ runId: 'run-100', env: 'production', pipeline: 'checkout-deploy' });
    expect((await item(other))?.state).toBe('next');
    await eventually(async () => world.notes.some((n) => n.runId === 'run-100' && n.text.includes(target)));

    // A redelivery (another event id, same run) changes nothing and notes nothing twice.
    await h.app.ctx.events.publish(EVENTS.runFinished, 'run-100-again', finished('run-100', 'production'));
    // The run that names PLAN-1 in its `plan` parameter ships it too.
    await h.app.ctx.events.publish(EVENTS.runFinished, 'run-102', finished('run-102', 'production'));
    await eventually(async () => (await item('PLAN-1'))?.shipped?.runId === 'run-102');
    expect(world.notes.filter((n) => n.runId === 'run-100')).toHaveLength(1);
    expect((await item(other))?.shipped).toBeUndefined();
  });

  it("turns a resolved incident's follow-ups into follow-up items linked to it, once", async () => {
    world.addIncident('INC-9', { severity: 'SEV1', status: 'resolved', resolvedAt: Date.now() });
    const data = {
      incidentId: 'INC-9',
      services: ['checkout'],
      severity: 'SEV1' as const,
      followUps: ['Add an alert on p99', 'Write the postmortem'],
      resolvedBy: 'U0ERIN',
    };
    await h.app.ctx.events.publish(EVENTS.incidentResolved, 'INC-9', data);
    const followUps = () => allItems().then((all) => all.filter((i) => i.links.some((l) => l.type === 'incident' && l.ref === 'INC-9')));
    await eventually(async () => (await followUps()).length === 2);
    await h.app.ctx.events.publish(EVENTS.incidentResolved, 'INC-9-redelivered', data);
    await eventually(async () => h.app.ctx.jobs.depth('events.deliver').then((n) => n === 0));
    const items = await followUps();
    expect(items).toHaveLength(2);
    expect(items.map((i) => i.title).sort()).toEqual(['Add an alert on p99', 'Write the postmortem']);
    expect(items[0]).toMatchObject({ kind: 'follow-up', service: 'checkout', priority: 'critical', createdBy: 'U0ERIN', state: 'backlog' });
  });

  it('turns high and critical findings into one item per fingerprint and ignores lower ones', async () => {
    const finding = (id: string, fingerprint: string, severity: string) => ({
      findingId: id,
      fingerprint,
      severity,
      title: 'CVE-2024-1234 in openssl',
      service: 'payments',
      env: 'production',
      inspector: 'trivy',
    });
    await h.app.ctx.events.publish(EVENTS.findingOpened, 'F-1', finding('F-1', 'fp-1', 'critical'));
    await h.app.ctx.events.publish(EVENTS.findingOpened, 'F-2', finding('F-2', 'fp-1', 'critical')); // same fingerprint, reopened
    await h.app.ctx.events.publish(EVENTS.findingOpened, 'F-3', finding('F-3', 'fp-3', 'medium'));
    const fromFindings = () => allItems().then((all) => all.filter((i) => i.links.some((l) => l.type === 'finding')));
    await eventually(async () => (await fromFindings()).length >= 1);
    await eventually(async () => h.app.ctx.jobs.depth('events.deliver').then((n) => n === 0));
    const items = await fromFindings();
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ title: '[trivy] CVE-2024-1234 in openssl', kind: 'bug', priority: 'critical', service: 'payments' });
    // The `plan` service other capabilities call is idempotent on its source key as well.
    const writer = servicesOf(h.app.ctx).get('plan');
    const again = await writer.createItem({ title: 'dup', kind: 'bug', createdBy: 'U0ALICE', sourceKey: 'finding-fp-1' });
    expect(again.id).toBe(items[0]!.id);
  });

  it('closes the iteration: unfinished items roll over, the summary counts what shipped, and it all survives a restart', async () => {
    world.addIncident('INC-10', { title: 'Payments latency', severity: 'SEV3', status: 'monitoring' });
    const doing = idOf((await h.command('U0ALICE', 'C0GENERAL', '/plan add "Half done" --next')).text);
    await h.command('U0ALICE', 'C0GENERAL', `/plan move ${doing} doing`);
    const doneByHand = idOf((await h.command('U0ALICE', 'C0GENERAL', '/plan add "Done by hand" --next')).text);
    await h.command('U0ALICE', 'C0GENERAL', `/plan move ${doneByHand} done`);
    const backlog = idOf((await h.command('U0ALICE', 'C0GENERAL', '/plan add "Still in the backlog"')).text);
    const shippedIds = (await allItems()).filter((i) => i.shipped && i.state === 'done').map((i) => i.id);
    expect(shippedIds.length).toBeGreaterThanOrEqual(2);

    await h.restart();
    const res = await h.command('U0ALICE', 'C0DEPLOYS', '/plan iteration start "Sprint 14" --days 7');
    expect(res.text).toContain('Closed *Iteration 1*');
    const summary = await h.slack.waitFor(() => h.slack.messages('C0DEPLOYS').find((m) => m.text.startsWith('Iteration 1 closed')));
    const body = JSON.stringify(summary.blocks);
    expect(summary.text).toContain(`shipped ${shippedIds.length}`);
    expect(body).toContain('run `run-100`');
    expect(body).toContain('run `run-102`');
    expect(body).toContain(doneByHand);
    expect(body).toContain('Rolled over to Sprint 14');
    expect(body).toContain(doing);
    expect(body).toContain('`INC-9` SEV1');
    expect(body).toContain('`INC-10` SEV3 Payments latency (monitoring)');

    const current = await store().getJson<string>(store().key('plan', 'current'));
    const sprint = await store().getJson<Iteration>(store().key('plan', 'iteration', current!));
    expect(sprint).toMatchObject({ name: 'Sprint 14' });
    expect(sprint!.endAt - sprint!.startAt).toBe(7 * 86_400_000);
    expect((await item(doing))?.iteration).toBe(current);
    expect((await item(doneByHand))?.iteration).not.toBe(current);
    expect((await item(backlog))?.iteration).toBeUndefined();

    await h.restart();
    const list = await h.command('U0ALICE', 'C0GENERAL', '/plan list --iteration current');
    expect(list.text).toContain(doing);
    expect(list.text).not.toContain(doneByHand);
    const shown = await h.command('U0ALICE', 'C0GENERAL', '/plan iteration');
    expect(shown.text).toContain('Current: *Sprint 14*');
    expect(shown.text).toMatch(/Iteration 1\* .*closed .*done \d+, shipped \d+, rolled over \d+/);

    // The board after the restarts: Dave's rolled-over item is in Sprint 14, and its buttons still work.
    const boardItem = (await allItems()).find((i) => i.title === 'Board item one')!;
    await h.slack.appHomeOpened('U0DAVE');
    await h.slack.waitFor(() => JSON.stringify(h.slack.homeView('U0DAVE')?.blocks).includes('Sprint 14'));
    await h.slack.pressButton({ user: 'U0DAVE', viewId: h.slack.homeView('U0DAVE')!.id, actionId: 'plan.to.done', value: boardItem.id });
    await eventually(async () => (await item(boardItem.id))?.state === 'done');
    expect((await item(boardItem.id))?.iteration).toBe(current);

    const close = await h.command('U0ALICE', 'C0GENERAL', '/plan iteration close');
    expect(close.text).toContain('Now current: *Sprint 15*');
    await h.slack.waitFor(() => h.slack.messages('C0GENERAL').find((m) => m.text.startsWith('Sprint 14 closed')));
    const dup = await h.command('U0ALICE', 'C0GENERAL', '/plan iteration start "Sprint 14"');
    expect(dup.text).toContain('named *Sprint 14* exists already');
    expect((await h.command('U0ALICE', 'C0GENERAL', '/plan list --iteration Sprint-99')).text).toContain(
      'Known: current, Sprint 15, Sprint 14, Iteration 1',
    );
  });
});
