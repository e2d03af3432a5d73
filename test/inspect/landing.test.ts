import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeInspectModule } from '../../src/app/wire-inspect.js';
import { makePipelinesModule } from '../../src/app/wire-pipelines.js';
import { createPlanModule } from '../../src/app/modules/plan.js';
import { FindingStore, type FindingRecord } from '../../src/domain/inspect/finding-store.js';
import { startHarness, type Harness } from '../support/harness.js';
import { inspectFixture, runIdOf, waitRun } from './support.js';
import { waitFor } from '../support/redis.js';

// Landing-zone inspections through the local Slack workspace: a job scheduler every 250 ms runs
// the drift inspector against a real pipeline deploy and an inventory command (`cat` of a file the
// test rewrites); planning turns the critical finding into one plan item.
describe('landing-zone inspections', () => {
  let h: Harness;
  const fx = inspectFixture({ landingZone: '  production:\n    every: 250\n    inspectors: [drift]' });
  const store = () => new FindingStore(h.app.ctx.store);
  const findingMessages = (id: string) => h.slack.messages('C0CHECKOUT').filter((m) => m.text.includes(`\`${id}\``));
  const planItems = async () =>
    await (
      h.app.ctx.services.get('plan' as never) as {
        list(f: object): Promise<Array<{ title: string; links: Array<{ ref?: string; type?: string }>; priority: string }>>;
      }
    ).list({ service: 'checkout' });

  beforeAll(async () => {
    h = await startHarness({
      name: 'inspect-landing',
      modules: [
        makePipelinesModule({ workflowsDir: 'test/inspect/workflows', leaseMs: 900, watchdogMs: 300, pollMs: 40 }),
        makeInspectModule({ configFile: fx.configFile }),
        (ctx) => createPlanModule(ctx),
      ],
    });
  });
  afterAll(async () => {
    await h?.close();
    rmSync(fx.dir, { recursive: true, force: true });
  });

  let driftId = '';

  it('detects drift from the last deploy, announces it once to the team and makes one plan item', async () => {
    const run = runIdOf((await h.command('U0BOB', 'C0DEPLOYS', '/pipeline run shop-deploy --env production --ref v1.5.0')).text);
    await waitRun(h, 'C0DEPLOYS', run, /: succeeded/);
    fx.setInventory('production', [{ service: 'checkout', version: '1.4.0' }]);

    const msg = await h.slack.waitFor(
      () => h.slack.messages('C0CHECKOUT').find((m) => m.text.includes('New finding') && m.text.includes('drift')),
      { timeoutMs: 10_000 },
    );
    expect(msg.text).toContain('*critical*');
    expect(msg.text).toContain(`checkout runs 1.4.0 in production, but Switchyard last deployed v1.5.0 (run ${run})`);
    driftId = /`(f-[0-9a-f]{10})`/.exec(msg.text)![1]!;

    // Several more scheduled inspections see it again: still one message, one event, one plan item.
    const first = (await store().get(driftId))!;
    const later = await waitRecord(h, driftId, (r) => r.lastSeen >= first.firstSeen + 750);
    expect(later.status).toBe('open');
    expect(findingMessages(driftId)).toHaveLength(1);
    const plan = await waitFor(async () => {
      const all = (await planItems()).filter((i) => i.links.some((l) => JSON.stringify(l).includes(driftId)));
      return all.length ? all : undefined;
    });
    expect(plan).toHaveLength(1);
    expect(plan[0]).toMatchObject({ priority: 'critical', title: expect.stringContaining('[drift] checkout runs 1.4.0') });

    const list = await h.command('U0GRACE', 'C0GENERAL', '/inspect findings --service checkout --open');
    expect(list.text).toContain(driftId);
    expect(list.text).toContain('*critical* checkout/production · drift');
  });

  it('scans the running versions on demand, announces what the threshold warns on, and accepts a risk with an expiry', async () => {
    fx.setScan('checkout', '1.4.0', 'trivy-image.json');
    const res = await h.command('U0BOB', 'C0GENERAL', '/inspect run running-trivy --env production --service checkout');
    expect(res.text).toContain('Inspecting production (checkout) with `running-trivy`');
    const summary = await h.slack.waitFor(() => h.slack.ephemerals('U0BOB').find((e) => e.text.includes('running-trivy in production')));
    expect(summary.text).toContain('4 new, 0 back, 0 still open, 0 fixed (1 service(s) covered)');
    const zlib = await h.slack.waitFor(() =>
      h.slack.messages('C0CHECKOUT').find((m) => m.text.includes('New finding') && m.text.includes('zlib: integer overflow')),
    );
    // One post for the scan's four new findings (critical and high only), not one each (issue #12).
    expect(h.slack.messages('C0CHECKOUT').filter((m) => m.text.includes('running-trivy'))).toHaveLength(1);
    expect(zlib.text).toContain('4 (2 critical, 2 high)');
    for (const cve of ['CVE-2023-45853', 'CVE-2023-4863', 'CVE-2021-44906', 'CVE-2021-23337']) expect(zlib.text).toContain(cve);
    const zlibId = /`(f-[0-9a-f]{10})`[^\n]*zlib: integer overflow/.exec(zlib.text)![1]!;

    const refused = await h.command('U0GRACE', 'C0GENERAL', `/inspect ack ${zlibId} "not reachable from the app"`);
    expect(refused.text).toContain('`approver`');
    const tooLong = await h.command('U0CAROL', 'C0GENERAL', `/inspect ack ${zlibId} "not reachable from the app" --expires 400d`);
    expect(tooLong.text).toContain('at most 90d');
    const unknown = await h.command('U0CAROL', 'C0GENERAL', '/inspect ack f-0000000000 "not reachable from the app"');
    expect(unknown.text).toContain('Unknown finding `f-0000000000`');
    expect(unknown.text).toContain(zlibId);

    const ack = await h.command('U0CAROL', 'C0GENERAL', `/inspect ack ${zlibId} "minizip is not used by the checkout app" --expires 14d`);
    expect(ack.text).toContain(`Accepted \`${zlibId}\``);
    const audit = await h.app.ctx.audit.query({ action: 'inspect.ack', limit: 5 });
    expect(audit[0]).toMatchObject({
      actor: 'U0CAROL',
      outcome: 'ok',
      target: zlibId,
      detail: expect.stringContaining('minizip is not used'),
    });
    await h.slack.waitFor(() => h.slack.message('C0CHECKOUT', zlib.ts)?.text.includes('Accepted risk'));
    const open = await h.command('U0GRACE', 'C0GENERAL', '/inspect findings --service checkout --open');
    expect(open.text).not.toContain(zlibId);
    expect(open.text).toContain(driftId);
  });

  it('marks findings fixed when they disappear, without announcing them again', async () => {
    fx.setInventory('production', [{ service: 'checkout', version: '1.5.0' }]);
    fx.setScan('checkout', '1.5.0', 'trivy-clean.json');
    const fixedMsg = await h.slack.waitFor(() => findingMessages(driftId).find((m) => m.text.includes('Fixed')), { timeoutMs: 10_000 });
    expect(fixedMsg.text).toContain('~checkout runs 1.4.0');
    const reply = await h.slack.waitFor(() =>
      h.slack.messages('C0CHECKOUT', { threadTs: fixedMsg.ts }).find((m) => m.text.includes('is fixed')),
    );
    expect(reply.text).toContain(`\`${driftId}\` is fixed: drift no longer sees it`);
    expect((await store().get(driftId))!.status).toBe('fixed');

    await h.command('U0BOB', 'C0GENERAL', '/inspect run running-trivy --env production');
    const summary = await h.slack.waitFor(() => h.slack.ephemerals('U0BOB').find((e) => e.text.includes('4 fixed')));
    expect(summary.text).toContain('0 new');
    const open = await h.command('U0GRACE', 'C0GENERAL', '/inspect findings --service checkout --open');
    expect(open.text).toContain('No open findings for checkout. Services with findings: checkout.');
    // Nothing was announced twice, and the plan item stayed one.
    expect(findingMessages(driftId)).toHaveLength(1);
    expect((await planItems()).filter((i) => JSON.stringify(i.links).includes(driftId))).toHaveLength(1);
  });

  it('answers bad input with what exists and changes nothing', async () => {
    const policy = await h.command('U0BOB', 'C0GENERAL', '/inspect run policy --env production');
    expect(policy.text).toContain('inspects pipeline runs');
    expect(policy.text).toContain('Landing-zone inspectors: trivy, running-trivy, drift');
    const env = await h.command('U0BOB', 'C0GENERAL', '/inspect run drift --env moon');
    expect(env.text).toContain('Unknown environment `moon`');
    expect(env.text).toContain('production');
    const who = await h.command('U0GRACE', 'C0GENERAL', '/inspect run drift --env production');
    expect(who.text).toContain('`deployer`');
    const name = await h.command('U0BOB', 'C0GENERAL', '/inspect run grype --env production');
    expect(name.text).toContain('Unknown inspector `grype`');
  });
});

function waitRecord(h: Harness, id: string, ok: (r: FindingRecord) => boolean): Promise<FindingRecord> {
  return waitFor(async () => {
    const r = await new FindingStore(h.app.ctx.store).get(id);
    return r && ok(r) ? r : undefined;
  });
}
