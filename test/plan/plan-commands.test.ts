import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planModule } from '../../src/app/wire-plan.js';
import type { PlanItem } from '../../src/domain/plan/model.js';
import { startHarness, type Harness } from '../support/harness.js';
import { FakeWorld } from './fake-capabilities.js';

// /plan driven through the local Slack workspace: signed slash commands in, ephemeral answers out.
describe('/plan items over the Slack wire', () => {
  let h: Harness;
  const world = new FakeWorld();
  const item = (id: string) => h.app.ctx.store.getJson<PlanItem>(h.app.ctx.store.key('plan', 'item', id));
  const idOf = (text: string) => /PLAN-\d+/.exec(text)?.[0] ?? '';

  beforeAll(async () => {
    h = await startHarness({ name: 'plan-commands', modules: [world.module(), planModule] });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('adds items with service, kind, owner and --next, giving them PLAN ids', async () => {
    const a = await h.command('U0BOB', 'C0CHECKOUT', '/plan add "Retry webhooks on 502" --service checkout --kind bug --next');
    expect(a.text).toMatch(/Created \*PLAN-1\* Retry webhooks on 502 — bug · next · `checkout` · <@U0BOB>/);
    const b = await h.command('U0BOB', 'C0CHECKOUT', '/plan add Split the cart service --service checkout --owner <@U0CAROL|carol>');
    expect(b.text).toContain('PLAN-2');
    const c = await h.command('U0ERIN', 'C0PAYMENTS', '/plan add "Rotate PSP keys" --service payments --kind chore --priority high');
    expect(c.text).toContain('PLAN-3');

    const first = await item('PLAN-1');
    expect(first).toMatchObject({
      title: 'Retry webhooks on 502',
      kind: 'bug',
      state: 'next',
      service: 'checkout',
      owner: 'U0BOB',
      createdBy: 'U0BOB',
    });
    expect(first?.iteration).toBeTruthy(); // --next commits it to the current iteration
    expect(await item('PLAN-2')).toMatchObject({ title: 'Split the cart service', state: 'backlog', owner: 'U0CAROL' });
    expect((await item('PLAN-2'))?.iteration).toBeUndefined();
    expect(await item('PLAN-3')).toMatchObject({ kind: 'chore', priority: 'high', owner: 'U0ERIN' });
  });

  it('lists with filters: --mine, --service, --state and --iteration current', async () => {
    const mine = await h.command('U0BOB', 'C0GENERAL', '/plan list --mine');
    expect(mine.text).toContain('PLAN-1');
    expect(mine.text).not.toContain('PLAN-2');
    expect(mine.text).not.toContain('PLAN-3');

    const payments = await h.command('U0BOB', 'C0GENERAL', '/plan list --service payments');
    expect(payments.text).toContain('PLAN-3');
    expect(payments.text).not.toContain('PLAN-1');

    const backlog = await h.command('U0BOB', 'C0GENERAL', '/plan list --state backlog');
    expect(backlog.text).toContain('PLAN-2');
    expect(backlog.text).toContain('PLAN-3');
    expect(backlog.text).not.toContain('PLAN-1');

    const current = await h.command('U0BOB', 'C0GENERAL', '/plan list --iteration current');
    expect(current.text).toContain('PLAN-1');
    expect(current.text).not.toContain('PLAN-2');
    expect(current.text).toContain('in Iteration 1');
  });

  it('moves an item, and answers a bad id or state with what exists, changing nothing', async () => {
    const moved = await h.command('U0BOB', 'C0GENERAL', '/plan move PLAN-1 doing');
    expect(moved.text).toContain('*PLAN-1* Retry webhooks on 502 is now *doing*');
    expect((await item('PLAN-1'))?.state).toBe('doing');

    const badState = await h.command('U0BOB', 'C0GENERAL', '/plan move PLAN-1 finished');
    expect(badState.text).toContain('Unknown state `finished`');
    expect(badState.text).toContain('States: backlog, next, doing, done, dropped');

    const badId = await h.command('U0BOB', 'C0GENERAL', '/plan move PLAN-99 done');
    expect(badId.text).toContain('Unknown plan item `PLAN-99`');
    expect(badId.text).toMatch(/Known: PLAN-3, PLAN-2, PLAN-1/);

    const garbage = await h.command('U0BOB', 'C0GENERAL', '/plan show banana');
    expect(garbage.text).toContain('Unknown plan item `banana`');
    expect(garbage.text).toContain('PLAN-1');

    const badListState = await h.command('U0BOB', 'C0GENERAL', '/plan list --state closed');
    expect(badListState.text).toContain('States: backlog, next, doing, done, dropped');
    expect((await item('PLAN-1'))?.state).toBe('doing');
  });

  it('assigns to a mentioned user and refuses someone who is not in the workspace', async () => {
    const res = await h.command('U0ALICE', 'C0GENERAL', '/plan assign 2 <@U0DAVE|dave>');
    expect(res.text).toContain("is now <@U0DAVE>'s (was <@U0CAROL>)");
    expect((await item('PLAN-2'))?.owner).toBe('U0DAVE');
    const ghost = await h.command('U0ALICE', 'C0GENERAL', '/plan assign PLAN-2 U0NOBODY');
    expect(ghost.text).toContain('Unknown user `U0NOBODY`');
    const word = await h.command('U0ALICE', 'C0GENERAL', '/plan assign PLAN-2 dave');
    expect(word.text).toContain('is not a user');
    expect((await item('PLAN-2'))?.owner).toBe('U0DAVE');
  });

  it('links URLs, runs and incidents, and names what exists for an unknown reference', async () => {
    world.addRun('run-42', { status: 'running' });
    world.addIncident('INC-7');
    const url = await h.command('U0BOB', 'C0GENERAL', '/plan link PLAN-1 <https://github.com/acme/checkout/pull/12>');
    expect(url.text).toContain('linked to url `https://github.com/acme/checkout/pull/12`');
    const forged = await h.command('U0BOB', 'C0GENERAL', '/plan link PLAN-1 https://docs.example.com|<!channel>');
    expect(forged.text).toContain('is not a plain link');
    const run = await h.command('U0BOB', 'C0GENERAL', '/plan link PLAN-1 run-42');
    expect(run.text).toContain('linked to run `run-42`');
    expect(run.text).toContain('marked shipped when the run deploys to production');
    const inc = await h.command('U0BOB', 'C0GENERAL', '/plan link PLAN-1 INC-7');
    expect(inc.text).toContain('linked to incident `INC-7`');
    const again = await h.command('U0BOB', 'C0GENERAL', '/plan link PLAN-1 INC-7');
    expect(again.text).toContain('already linked');

    const unknown = await h.command('U0BOB', 'C0GENERAL', '/plan link PLAN-1 run-404');
    expect(unknown.text).toContain('`run-404` is not a known run id, incident id or a URL');
    expect(unknown.text).toContain('Recent runs: `run-42`');
    expect(unknown.text).toContain('Open incidents: `INC-7`');

    const links = (await item('PLAN-1'))?.links.map((l) => `${l.type}:${l.ref}`);
    expect(links).toEqual(['url:https://github.com/acme/checkout/pull/12', 'run:run-42', 'incident:INC-7']);
    const shown = await h.command('U0BOB', 'C0GENERAL', '/plan show PLAN-1');
    expect(shown.text).toContain('run `run-42`');
    expect(shown.text).toContain('incident `INC-7`');
    expect(shown.text).toContain('Iteration: Iteration 1');
  });

  it('ships at once when the linked run already deployed to production', async () => {
    world.addRun('run-43', { status: 'succeeded', env: 'prod', finishedAt: Date.now() });
    const res = await h.command('U0ERIN', 'C0GENERAL', '/plan link PLAN-3 run-43');
    expect(res.text).toContain('already shipped to production');
    expect(await item('PLAN-3')).toMatchObject({ state: 'done', shipped: { runId: 'run-43', env: 'prod' } });
  });

  it('drops an item with a reason and refuses a drop without one', async () => {
    const noReason = await h.command('U0BOB', 'C0GENERAL', '/plan drop PLAN-2');
    expect(noReason.text).toContain('<reason>');
    expect((await item('PLAN-2'))?.state).toBe('backlog');
    const res = await h.command('U0BOB', 'C0GENERAL', '/plan drop PLAN-2 "superseded by the cart rewrite"');
    expect(res.text).toContain('Dropped *PLAN-2*');
    expect(await item('PLAN-2')).toMatchObject({ state: 'dropped', dropReason: 'superseded by the cart rewrite' });
    const twice = await h.command('U0BOB', 'C0GENERAL', '/plan drop PLAN-2 "again"');
    expect(twice.text).toContain('already dropped');
    const viaMove = await h.command('U0BOB', 'C0GENERAL', '/plan move PLAN-1 dropped');
    expect(viaMove.text).toContain('/plan drop');
    const audit = await h.app.ctx.audit.query({ actor: 'U0BOB', action: 'plan drop' });
    expect(audit[0]).toMatchObject({ target: 'PLAN-2', detail: 'superseded by the cart rewrite' });
  });

  it('keeps items, links and the id counter across a restart', async () => {
    await h.restart();
    const shown = await h.command('U0BOB', 'C0GENERAL', '/plan show PLAN-1');
    expect(shown.text).toContain('*doing*');
    expect(shown.text).toContain('run `run-42`');
    const next = await h.command('U0BOB', 'C0GENERAL', '/plan add "After the restart"');
    expect(idOf(next.text)).toBe('PLAN-4');
    const all = await h.command('U0BOB', 'C0GENERAL', '/plan list --state all');
    for (const id of ['PLAN-1', 'PLAN-2', 'PLAN-3', 'PLAN-4']) expect(all.text).toContain(id);
  });
});
