import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planModule } from '../../src/app/wire-plan.js';
import type { Iteration, PlanItem } from '../../src/domain/plan/model.js';
import { startHarness, type Harness } from '../support/harness.js';

// A close that stopped half-way (the process killed between its steps) is finished by the next
// close: the interrupted iteration gets its one summary and counts, and the new one stays open.
describe('/plan iteration close is safe to retry', () => {
  let h: Harness;
  const store = () => h.app.ctx.store;
  const key = (...parts: string[]) => store().key('plan', ...parts);
  const iteration = (id: string) => store().getJson<Iteration>(key('iteration', id));
  const current = async () => (await iteration((await store().getJson<string>(key('current')))!))!;
  const item = async (id: string) => (await store().getJson<PlanItem>(key('item', id)))!;
  const idOf = (text: string) => /PLAN-\d+/.exec(text)?.[0] ?? '';
  const summaries = (channel: string, name: string) => h.slack.messages(channel).filter((m) => m.text.startsWith(`${name} closed`));

  /** What a close leaves in Redis when it stops right after writing itself on the closing iteration. */
  async function interruptAfterMarking(actor: string): Promise<{ closed: Iteration; next: Iteration }> {
    const cur = await current();
    const seq = await store().incr(key('iteration-seq'));
    const now = Date.now();
    const next: Iteration = { id: `it${seq}`, seq, name: `Iteration ${seq}`, startAt: now, endAt: now + 86_400_000, createdBy: actor };
    await store().setJson(key('iteration', cur.id), { ...cur, closedAt: now, closedBy: actor, nextId: next.id, closingInto: next });
    return { closed: cur, next };
  }

  beforeAll(async () => {
    h = await startHarness({ name: 'plan-close-retry', modules: [planModule] });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('finishes a close interrupted before the new iteration became current, instead of closing another', async () => {
    const doing = idOf((await h.command('U0ALICE', 'C0GENERAL', '/plan add "Half done" --next')).text);
    await h.command('U0ALICE', 'C0GENERAL', `/plan move ${doing} doing`);
    const { closed, next } = await interruptAfterMarking('U0ALICE');

    const res = await h.command('U0BOB', 'C0GENERAL', '/plan iteration close');
    expect(res.text).toContain(`Finished closing *${closed.name}*`);
    expect(res.text).toContain(`rolled over 1`);
    expect(res.text).toContain(`Now current: *${next.name}*`);
    expect((await current()).id).toBe(next.id);
    expect(await item(doing)).toMatchObject({ iteration: next.id, state: 'doing', rolledFrom: closed.id });
    const done = await iteration(closed.id);
    expect(done).toMatchObject({ nextId: next.id, closedBy: 'U0ALICE', counts: { rolledOver: 1 } });
    expect(done).not.toHaveProperty('closingInto');
    await h.slack.waitFor(() => summaries('C0GENERAL', closed.name).length === 1);
    const audit = await h.app.ctx.audit.query({ action: 'plan iteration close' });
    expect(audit.some((e) => e.detail?.startsWith('finished an interrupted close'))).toBe(true);
  });

  it('finishes a close interrupted after the pointer moved, keeping the new iteration open; the next close is a normal one', async () => {
    const doing = idOf((await h.command('U0ALICE', 'C0GENERAL', '/plan add "Carried work" --next')).text);
    const { closed, next } = await interruptAfterMarking('U0ALICE');
    await store().setJson(key('iteration', next.id), next);
    await store().zAdd(key('iterations'), next.seq, next.id);
    await store().setJson(key('current'), next.id);

    const res = await h.command('U0ALICE', 'C0GENERAL', '/plan iteration close');
    expect(res.text).toContain(`Finished closing *${closed.name}*`);
    expect((await current()).id).toBe(next.id);
    expect((await current()).closedAt).toBeUndefined();
    expect(await item(doing)).toMatchObject({ iteration: next.id, rolledFrom: closed.id });
    expect((await iteration(closed.id))?.counts).toMatchObject({ rolledOver: 2 }); // with the first test's item

    const again = await h.command('U0ALICE', 'C0GENERAL', '/plan iteration close');
    expect(again.text).toContain(`Closed *${next.name}*`);
    expect((await current()).id).not.toBe(next.id);
    await h.slack.waitFor(() => summaries('C0GENERAL', next.name).length === 1);
    expect(summaries('C0GENERAL', closed.name)).toHaveLength(1);
  });
});
