import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunDoc } from '../../src/domain/pipelines/model.js';
import { startHarness, type Harness } from '../support/harness.js';
import { waitFor } from '../support/redis.js';
import { companionsModule, runIdOf, testPipelines, waitRunText } from './support.js';

interface Btn {
  action_id: string;
  value: string;
  text: { text: string };
  confirm?: { title: { text: string }; text: { text: string } };
}

// `/pipeline live [service]`: what each environment of rulesvc and demo runs, and its Roll back
// button (to the good deploy before, with a confirm dialog).
describe('/pipeline live: what is live where, with a roll back', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ name: 'pipelines-live', modules: [testPipelines(), companionsModule] });
  });
  afterAll(async () => {
    await h?.close();
  });
  const doc = async (id: string) => (await h.app.ctx.store.getJson<RunDoc>(h.app.ctx.store.key('pipelines', 'run', id)))!;
  const deploy = async (user: string, line: string) => {
    const id = runIdOf((await h.command(user, 'C0DEPLOYS', line)).text);
    await waitRunText(h, 'C0DEPLOYS', id, /: (succeeded|failed)/);
    return id;
  };
  const buttons = (blocks: unknown[] | undefined): Btn[] =>
    (blocks ?? []).flatMap((b) => ((b as { type: string }).type === 'actions' ? ((b as { elements: Btn[] }).elements ?? []) : []));

  it('lists the last successful deploy per environment and rolls back to the good one before it', async () => {
    const first = await deploy('U0BOB', '/pipeline run rules-deploy --env staging --ref main --param version=1.0.0');
    const second = await deploy('U0ERIN', '/pipeline run rules-deploy --env staging --ref release/2 --param version=2.0.0');
    const failed = await deploy('U0BOB', '/pipeline run demo-deploy --env staging --ref broken --param fail_file=/');
    expect((await doc(failed)).status).toBe('failed');

    const all = await h.command('U0GRACE', 'C0DEPLOYS', '/pipeline live');
    expect(all.text).toContain('rulesvc → staging: release/2');
    expect(all.text).toContain('rulesvc → production: nothing deployed yet');
    expect(all.text).toContain('demo → staging: nothing deployed yet'); // a failed run is not what is live

    const res = await h.command('U0GRACE', 'C0DEPLOYS', '/pipeline live rulesvc');
    const shown = JSON.stringify(res.reply?.blocks);
    expect(shown).toContain(`\`release/2\` (version=\`2.0.0\`, replicas=\`1\`) · run *${second}* (rules-deploy)`);
    expect(shown).toContain('by <@U0ERIN>');
    expect(shown).not.toContain('demo');
    const [button, ...others] = buttons(res.reply?.blocks);
    expect(others).toEqual([]);
    expect(button).toMatchObject({ action_id: 'pipeline.live_rollback', text: { text: 'Roll back to main' } });
    expect(button!.confirm?.title.text).toBe('Roll back staging?');
    expect(button!.confirm?.text.text).toContain(`at main (as run ${first} did`);
    expect(button!.confirm?.text.text).toContain(`replacing release/2 from run ${second}`);

    // Someone without a deploy role presses it: refused by the engine, nothing started (their own list: an ephemeral).
    await h.slack.pressButton({ user: 'U0GRACE', channel: 'C0DEPLOYS', ts: res.reply!.ts, actionId: 'pipeline.live_rollback' });
    const refusal = await waitFor(
      async () => (await h.app.ctx.audit.query({ actor: 'U0GRACE', action: 'button pipeline.live_rollback' }))[0],
    );
    expect(refusal.outcome).toBe('refused');

    const bobs = await h.command('U0BOB', 'C0DEPLOYS', '/pipeline live rulesvc');
    await h.slack.pressButton({ user: 'U0BOB', channel: 'C0DEPLOYS', ts: bobs.reply!.ts, actionId: 'pipeline.live_rollback' });
    const answer = await h.slack.waitFor(() => h.slack.ephemerals('U0BOB').find((e) => /rolls rulesvc\/staging back/.test(e.text)));
    expect(answer.text).toContain(`back from ${second}`);
    const rollback = /Run \*(r\d+)\*/.exec(answer.text)![1]!;
    await waitRunText(h, 'C0DEPLOYS', rollback, /: succeeded/);
    expect(await doc(rollback)).toMatchObject({ ref: 'main', params: { version: '1.0.0' }, rollbackOf: second, triggeredBy: 'U0BOB' });

    // Now the rollback is live; the button shown before no longer matches what is live and is refused.
    const after = await h.command('U0GRACE', 'C0DEPLOYS', '/pipeline live rulesvc');
    expect(JSON.stringify(after.reply?.blocks)).toContain(`run *${rollback}* (rules-deploy)`);
    expect(JSON.stringify(after.reply?.blocks)).toContain(`rollback of ${second}`);
    expect(buttons(after.reply?.blocks)[0]?.confirm?.text.text).toContain(`as run ${second} did`);
    await h.slack.pressButton({ user: 'U0BOB', channel: 'C0DEPLOYS', ts: bobs.reply!.ts, actionId: 'pipeline.live_rollback' });
    const stale = await h.slack.waitFor(() => h.slack.ephemerals('U0BOB').find((e) => /is no longer live/.test(e.text)));
    expect(stale.text).toContain(`${second} is no longer live in rulesvc/staging (${rollback} is)`);
  });

  it('offers no roll back where there is no earlier good deploy, and refuses an unknown service', async () => {
    await deploy('U0BOB', '/pipeline run echo-params --ref v1');
    const res = await h.command('U0GRACE', 'C0DEPLOYS', '/pipeline live echo');
    expect(JSON.stringify(res.reply?.blocks)).toContain('No earlier good deploy of another build to roll back to.');
    expect(buttons(res.reply?.blocks)).toEqual([]);
    const unknown = await h.command('U0GRACE', 'C0DEPLOYS', '/pipeline live nosuchsvc');
    expect(unknown.text).toContain('nosuchsvc');
  });
});
