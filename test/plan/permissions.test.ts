import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planModule } from '../../src/app/wire-plan.js';
import type { Iteration, PlanItem } from '../../src/domain/plan/model.js';
import { startHarness, type Harness } from '../support/harness.js';

// Plan items change by their owner, their service's team (config/teams.yml: payments is U0CAROL
// and U0DAVE, channel C0PAYMENTS) or `planner` (U0BOB; U0ALICE as admin); iterations by
// `planner`. U0GRACE holds no role and is on no team.
describe('who may change the plan', () => {
  let h: Harness;
  const store = () => h.app.ctx.store;
  const item = async (id: string) => (await store().getJson<PlanItem>(store().key('plan', 'item', id)))!;
  const current = async () =>
    (await store().getJson<Iteration>(store().key('plan', 'iteration', (await store().getJson<string>(store().key('plan', 'current')))!)))!;
  const idOf = (text: string) => /PLAN-\d+/.exec(text)?.[0] ?? '';

  beforeAll(async () => {
    h = await startHarness({ name: 'plan-perms', modules: [planModule] });
  });
  afterAll(async () => {
    await h?.close();
  });

  it("refuses a user with no role every change to someone else's item and the iterations, changing nothing, auditing each", async () => {
    const id = idOf((await h.command('U0DAVE', 'C0GENERAL', '/plan add "Rotate PSP keys" --service payments --next')).text);
    const before = await item(id);
    const iteration = await current();
    const attempts = [
      `/plan move ${id} doing`,
      `/plan assign ${id} <@U0GRACE|grace>`,
      `/plan link ${id} https://evil.example/x`,
      `/plan drop ${id} "not needed"`,
      '/plan iteration close',
      `/plan iteration close "${iteration.name}"`,
      '/plan iteration start "Grace sprint"',
    ];
    for (const line of attempts) {
      const res = await h.command('U0GRACE', 'C0GENERAL', line);
      expect(res.text, line).toContain('`planner`');
    }
    // A Home button left over from when the item was hers: the move goes through the same check.
    const was = idOf((await h.command('U0GRACE', 'C0GENERAL', '/plan add "Grace\'s chore" --next')).text);
    await h.slack.appHomeOpened('U0GRACE');
    await h.slack.waitFor(() => JSON.stringify(h.slack.homeView('U0GRACE')?.blocks ?? []).includes(was));
    expect((await h.command('U0BOB', 'C0GENERAL', `/plan assign ${was} <@U0DAVE|dave>`)).text).toContain("is now <@U0DAVE>'s");
    const stale = await item(was);
    await h.slack.pressButton({ user: 'U0GRACE', viewId: h.slack.homeView('U0GRACE')!.id, actionId: 'plan.to.doing', value: was });
    // A press on the App Home is answered by DM (there is no channel to answer in).
    await h.slack.waitFor(() => h.slack.messages(h.slack.dmChannel('U0GRACE').id).find((m) => m.text.includes('may move it')), {
      message: 'no refusal for the Home button',
    });
    expect(await item(was)).toEqual(stale);

    expect(await item(id)).toEqual(before);
    expect((await current()).id).toBe(iteration.id);
    expect((await current()).closedAt).toBeUndefined();
    const refused = (await h.app.ctx.audit.query({ actor: 'U0GRACE', limit: 50 })).filter((e) => e.outcome === 'refused');
    for (const action of ['/plan move', '/plan assign', '/plan link', '/plan drop', '/plan iteration', 'button plan.to.doing']) {
      expect(
        refused.find((e) => e.action === action),
        action,
      ).toMatchObject({ rule: 'role:planner' });
    }
    expect(refused.filter((e) => e.action === '/plan iteration')).toHaveLength(3);
  });

  it('lets the owner, the service team and a planner change an item; the team channel sees it and a new owner is told', async () => {
    const id = idOf((await h.command('U0DAVE', 'C0GENERAL', '/plan add "Retry refunds" --service payments')).text);
    const posted = await h.slack.waitFor(() => h.slack.messages('C0PAYMENTS').find((m) => m.text.includes(`New plan item *${id}*`)));
    expect(posted.text).toContain('Retry refunds');
    expect((await h.command('U0CAROL', 'C0GENERAL', `/plan move ${id} next`)).text).toContain('is now *next*'); // team
    await h.slack.waitFor(() => h.slack.messages('C0PAYMENTS').find((m) => m.text.includes(`*${id}* Retry refunds is now *next*`)));
    const assign = await h.command('U0DAVE', 'C0GENERAL', `/plan assign ${id} <@U0ERIN|erin>`); // owner
    expect(assign.text).toContain("is now <@U0ERIN>'s");
    const dm = await h.slack.waitFor(() => h.slack.messages(h.slack.dmChannel('U0ERIN').id).find((m) => m.text.includes(id)));
    expect(dm.text).toContain('<@U0DAVE> assigned you');
    // Dave no longer owns it but is still on the payments team; Frank is neither, Bob is a planner.
    expect((await h.command('U0FRANK', 'C0GENERAL', `/plan move ${id} doing`)).text).toContain('`planner`');
    expect((await h.command('U0BOB', 'C0GENERAL', `/plan drop ${id} "superseded"`)).text).toContain(`Dropped *${id}*`);
    expect(await item(id)).toMatchObject({ owner: 'U0ERIN', state: 'dropped' });
  });

  it('a bare close typed twice closes one iteration; naming it closes it, and naming it again changes nothing', async () => {
    const first = await current();
    const close = await h.command('U0BOB', 'C0GENERAL', '/plan iteration close');
    expect(close.text).toContain(`Closed *${first.name}*`);
    const fresh = await current();
    expect(fresh.id).not.toBe(first.id);

    const again = await h.command('U0BOB', 'C0GENERAL', '/plan iteration close');
    expect(again.text).toContain('typed twice');
    expect(again.text).toContain(`/plan iteration close "${fresh.name}"`);
    expect((await current()).id).toBe(fresh.id);
    expect((await current()).closedAt).toBeUndefined();

    const named = await h.command('U0ALICE', 'C0GENERAL', `/plan iteration close "${fresh.name}"`);
    expect(named.text).toContain(`Closed *${fresh.name}*`);
    const third = await current();
    const repeat = await h.command('U0ALICE', 'C0GENERAL', `/plan iteration close ${fresh.id}`);
    expect(repeat.text).toContain(`*${fresh.name}* is already closed`);
    expect(repeat.text).toContain('nothing was closed');
    expect((await current()).id).toBe(third.id);
    const summaries = h.slack.messages('C0GENERAL').filter((m) => m.text.startsWith(`${fresh.name} closed`));
    expect(summaries).toHaveLength(1);
  });

  it('a new 7-day iteration has 7 days left, not 8', async () => {
    const res = await h.command('U0ALICE', 'C0GENERAL', '/plan iteration start "Week 1" --days 7');
    expect(res.text).toContain('Now current: *Week 1*');
    expect(res.text).toContain('7 days left');
    expect((await h.command('U0GRACE', 'C0GENERAL', '/plan iteration')).text).toMatch(/Current: \*Week 1\* .*7 days left/);
  });
});
