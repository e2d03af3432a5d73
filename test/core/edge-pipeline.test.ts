import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planModule } from '../../src/app/wire-plan.js';
import type { Logger } from '../../src/core/ports/runtime.js';
import type { PlanItem } from '../../src/domain/plan/model.js';
import { deliver } from '../../src/local-slack/payloads.js';
import { wireView } from '../../src/local-slack/wire.js';
import { eventually, FakeWorld } from '../plan/fake-capabilities.js';
import { startHarness, type Harness } from '../support/harness.js';

/**
 * The edge pipeline from the attacker's and Slack's side: interactivity payloads signed with the
 * app's secret (as Slack sends them) that no button of the bot made, and the same press delivered
 * twice. Payloads are written here because the local workspace only presses buttons that exist.
 */
describe('edge pipeline on the wire', () => {
  let h: Harness;
  const world = new FakeWorld();
  const logged: Array<{ msg: string; obj: Record<string, unknown> }> = [];
  const log: Logger = {
    debug() {},
    info: (obj, msg) => void logged.push({ msg: msg ?? '', obj: obj as Record<string, unknown> }),
    warn() {},
    error: (obj, msg) => void logged.push({ msg: msg ?? '', obj: obj as Record<string, unknown> }),
    child: () => log,
  };
  const store = () => h.app.ctx.store;
  const item = (id: string) => store().getJson<PlanItem>(store().key('plan', 'item', id));
  const idOf = (text: string) => /PLAN-\d+/.exec(text)?.[0] ?? '';
  const dm = (user: string) => h.slack.messages(h.slack.dmChannel(user).id);

  /** A signed interactivity request, optionally marked as Slack's retry of an earlier one. */
  const send = (payload: Record<string, unknown>, retryNum?: number) =>
    deliver({
      url: `http://127.0.0.1:${h.app.port()}/slack/events`,
      signingSecret: h.wiring.signingSecret,
      body: new URLSearchParams({ payload: JSON.stringify(payload) }).toString(),
      contentType: 'application/x-www-form-urlencoded',
      timestamp: Math.floor(Date.now() / 1000),
      ...(retryNum !== undefined ? { retryNum } : {}),
    });

  /** A press on a button of the user's App Home, with whatever action id and value the sender chose. */
  const homePress = async (user: string, actionId: string, value: string, ids: { trigger: string; actionTs: string }) => {
    await h.slack.appHomeOpened(user);
    const home = await h.slack.waitFor(() => h.slack.homeView(user));
    return {
      type: 'block_actions',
      user: { id: user, username: user, name: user, team_id: home.team_id },
      api_app_id: 'A0SWITCHYARD',
      container: { type: 'view', view_id: home.id },
      trigger_id: ids.trigger,
      team: { id: home.team_id },
      view: wireView(home),
      actions: [{ action_id: actionId, block_id: 'forged', value, type: 'button', action_ts: ids.actionTs }],
    };
  };

  beforeAll(async () => {
    h = await startHarness({ name: 'edge-pipeline', modules: [world.module(), planModule], log });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('refuses a forged or garbled button value with a clear answer, audits it, and changes nothing', async () => {
    const id = idOf((await h.command('U0DAVE', 'C0GENERAL', '/plan add "Forge target" --next')).text);
    const before = await item(id);
    const forged = [`${id}|doing`, `{"id":"${id}"}`, `${id} `, 'PLAN-1; DEL plan:*', ''];
    for (const [n, value] of forged.entries()) {
      const res = await send(await homePress('U0DAVE', 'plan.to.doing', value, { trigger: `forged-${n}`, actionTs: `1.${n}` }));
      expect(res.status).toBe(200);
    }
    const answers = await h.slack.waitFor(() => {
      const got = dm('U0DAVE').filter((m) => m.text.includes('carries a value Switchyard cannot read'));
      return got.length === forged.length ? got : undefined;
    });
    expect(answers[0]!.text).toContain('nothing was done');
    const audited = await h.app.ctx.audit.query({ actor: 'U0DAVE', action: 'button plan.to.doing' });
    expect(audited.filter((e) => e.outcome === 'usage')).toHaveLength(forged.length);
    expect(audited.map((e) => e.target)).toContain(`${id}|doing`);
    expect(await item(id)).toEqual(before);
  });

  it('refuses a form whose private metadata the bot did not write, audits it, and creates nothing', async () => {
    const msg = h.slack.postAsUser('U0ERIN', 'C0INCIDENTS', 'Disk almost full on db-2');
    await h.slack.messageShortcut({ user: 'U0CAROL', channel: 'C0INCIDENTS', ts: msg.ts, callbackId: 'plan.add_from_message' });
    const modal = await h.slack.waitFor(() =>
      h.slack.views().find((v) => v.callback_id === 'plan.add_from_message' && v.open && v.user === 'U0CAROL'),
    );
    const items = (await store().zRange(store().key('plan', 'items'))).length;
    const values = { title: { value: { type: 'plain_text_input', value: 'Sneaky item' } } };
    const res = await send({
      type: 'view_submission',
      user: { id: 'U0CAROL', username: 'carol', name: 'carol', team_id: modal.team_id },
      api_app_id: 'A0SWITCHYARD',
      trigger_id: 'forged-view-1',
      team: { id: modal.team_id },
      view: { ...wireView(modal), private_metadata: '../../other-draft', state: { values } },
    });
    expect(res.status).toBe(200);
    const answer = await h.slack.waitFor(() => dm('U0CAROL').find((m) => m.text.includes('cannot read')));
    expect(answer.text).toContain('nothing was done');
    const audited = await h.app.ctx.audit.query({ actor: 'U0CAROL', action: 'modal plan.add_from_message' });
    expect(audited[0]).toMatchObject({ outcome: 'usage' });
    expect((await store().zRange(store().key('plan', 'items'))).length).toBe(items);
  });

  it('acts once on a press Slack delivers twice (same trigger and action ts)', async () => {
    const id = idOf((await h.command('U0DAVE', 'C0GENERAL', '/plan add "Press me once" --next')).text);
    const press = await homePress('U0DAVE', 'plan.to.doing', id, { trigger: 'retry-trigger-1', actionTs: '1700000000.000001' });
    const pressAudits = async () =>
      (await h.app.ctx.audit.query({ actor: 'U0DAVE', action: 'button plan.to.doing' })).filter((e) => e.target === id);
    expect((await send(press)).status).toBe(200);
    // The first delivery is done once its audit entry is written (after the move and the Home refresh).
    await eventually(async () => (await pressAudits()).length === 1);
    expect((await item(id))?.state).toBe('doing');
    expect((await send(press, 1)).status).toBe(200);
    // The retry is observed being dropped (logged by the pipeline), not assumed after a sleep.
    await eventually(async () => logged.some((l) => l.msg === 'duplicate delivery ignored' && l.obj.action === 'button plan.to.doing'));
    expect(await pressAudits()).toHaveLength(1);
    const moves = await h.app.ctx.audit.query({ actor: 'U0DAVE' });
    expect(moves.filter((e) => e.action !== 'button plan.to.doing' && e.target === id && /doing/.test(e.detail ?? ''))).toHaveLength(1);
    expect((await item(id))?.state).toBe('doing');
  });
});
