import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSwitchyard, type Switchyard } from '../../src/app/app.js';
import { incidentsModuleWith } from '../../src/app/wire-incidents.js';
import { VegaDeliveryChart } from '../../src/adapters/charts/delivery-chart.js';
import { createMetricsModule } from '../../src/app/modules/metrics.js';
import { createPlanModule } from '../../src/app/modules/plan.js';
import type { ModuleFactory } from '../../src/core/module.js';
import { silentLogger } from '../../src/core/ports/runtime.js';
import { DIGEST_TEAM, DIGEST_TICK, weekOf } from '../../src/domain/metrics/digest.js';
import type { RunDoc } from '../../src/domain/pipelines/model.js';
import { testConfig } from '../incidents/support.js';
import { runIdOf, testPipelines, waitRunText } from '../pipelines/support.js';
import { BOT, startHarness, type Harness } from '../support/harness.js';
import { jobSettled } from '../support/jobs.js';

const H = 3_600_000;
const D = 24 * H;

// Every record is made through the real commands, with the bot's clock moved back in time:
// production deploys 45, 20 and 10 days ago, an incident on checkout after the first of the
// last two (resolved in 30 minutes), an incident on payments (not deployed to production here)
// with a `--fix` deploy of checkout, and a staging run that must not count.
describe('delivery metrics from real runs and incidents', () => {
  let h: Harness;
  let shift = 0;
  let second: Switchyard | undefined;
  const modules: ModuleFactory[] = [
    testPipelines({ workflowsDir: 'test/metrics/workflows' }),
    incidentsModuleWith({ config: testConfig() }),
    (ctx) => createPlanModule(ctx),
    (ctx) =>
      createMetricsModule(ctx, {
        config: { failureWindow: { ms: D, text: '24h' }, digest: { enabled: false, cron: '0 9 * * 1', tz: 'UTC' } },
        chart: new VegaDeliveryChart(),
      }),
  ];
  const ids: Record<string, string> = {};

  const deploy = async (env: string, extra = '') => {
    const res = await h.command('U0BOB', 'C0DEPLOYS', `/pipeline run checkout-deploy --env ${env}${extra}`);
    const id = runIdOf(res.text);
    await waitRunText(h, 'C0DEPLOYS', id, /: succeeded/);
    await h.slack.waitFor(async () => (await h.app.ctx.store.getJson<RunDoc>(h.app.ctx.store.key('pipelines', 'run', id)))?.finishedAt, {
      message: `run ${id} has no finish time`,
    });
    return id;
  };
  const declare = async (title: string, service: string) => {
    const res = await h.command('U0ERIN', 'C0DEPLOYS', `/incident declare sev2 "${title}" --service ${service}`);
    const id = /INC-\d+/.exec(res.text)?.[0];
    if (!id) throw new Error(`no incident id in: ${res.text}`);
    return id;
  };

  beforeAll(async () => {
    h = await startHarness({ name: 'metrics-flow', modules, clock: { now: () => Date.now() + shift } });
    shift = -45 * D;
    ids.p1 = await deploy('production');
    shift = -25 * D;
    // The first iteration starts here, so its close below spans the three recent deploys.
    expect((await h.command('U0BOB', 'C0DEPLOYS', '/plan iteration start "Delivery test" --days 30')).text).toContain('Delivery test');
    shift = -21 * D;
    const added = await h.command('U0BOB', 'C0DEPLOYS', '/plan add "Faster checkout" --service checkout --next');
    ids.item = /PLAN-\d+/.exec(added.text)![0];
    expect((await h.command('U0BOB', 'C0DEPLOYS', `/plan move ${ids.item} doing`)).text).toContain('is now *doing*');
    shift = -20 * D;
    ids.d1 = await deploy('production', ` --plan ${ids.item}`);
    shift = -20 * D + 2 * H;
    ids.inc1 = await declare('Checkout errors after deploy', 'checkout');
    shift = -20 * D + 2 * H + 30 * 60_000;
    const resolved = await h.command('U0ERIN', 'C0DEPLOYS', `/incident resolve "rolled forward" --id ${ids.inc1}`);
    expect(resolved.text).toContain('resolved');
    shift = -10 * D;
    ids.d2 = await deploy('production');
    shift = -10 * D + 3 * H;
    ids.inc2 = await declare('Payments timeouts', 'payments');
    shift = -10 * D + 4 * H;
    ids.fix = await deploy('production', ` --fix ${ids.inc2}`);
    shift = -5 * D;
    ids.staging = await deploy('staging');
    shift = 0;
  }, 120_000);
  afterAll(async () => {
    await second?.stop();
    await h?.close();
  });

  it('answers the four keys with their bands and the window before', async () => {
    const r = await h.command('U0ALICE', 'C0DEPLOYS', '/switchyard metrics --service checkout --since 30d');
    expect(r.text).toContain('Delivery metrics for service *checkout*, last 30d');
    // D1, D2 and the fix in the window (the staging run and the 45-day-old deploy are not).
    expect(r.text).toMatch(/Deployment frequency: 3 deploys \(0\.7\/week\) · :large_yellow_circle: medium ↑ was 1/);
    // D1 failed by INC-1, D2 by the fix for INC-2 (an incident on a service with no production pipeline here).
    expect(r.text).toMatch(/Change failure rate: 67 % \(2 of 3\) · :red_circle: low/);
    // The clock moved 30 minutes between declare and resolve; the commands themselves take a moment.
    expect(r.text).toMatch(/Time to restore service: 30m( \d+s)? median over 1 incidents · :star2: elite/);
    expect(r.text).toMatch(/Lead time for changes: \d+(ms|s) median · :star2: elite/);
    // D1 shipped a plan item that moved to doing a day earlier: its lead time starts there.
    expect(JSON.stringify(r.reply?.blocks)).toContain('lead time measured 1 from the plan item starting, 2 from the run starting');
  });

  it('drills down to the failed changes with their incident and fix', async () => {
    const r = await h.command('U0ALICE', 'C0DEPLOYS', '/switchyard metrics --service checkout --failures');
    const blocks = JSON.stringify(r.reply?.blocks ?? []);
    expect(blocks).toContain(`\`${ids.d1}\` checkout`);
    expect(blocks).toContain(`followed by incident \`${ids.inc1}\``);
    expect(blocks).toContain(`\`${ids.d2}\` checkout`);
    expect(blocks).toContain(`fixed by run \`${ids.fix}\` for \`${ids.inc2}\``);
    expect(blocks).not.toContain(`\`${ids.fix}\` checkout`);
  });

  it('scopes to a team channel, and over a longer window counts the older deploy too', async () => {
    const team = await h.command('U0ALICE', 'C0DEPLOYS', '/switchyard metrics --team C0CHECKOUT --since 60d');
    expect(team.text).toContain('team');
    expect(team.text).toMatch(/Deployment frequency: 4 deploys/);
    const other = await h.command('U0ALICE', 'C0DEPLOYS', '/switchyard metrics --team C0PAYMENTS');
    expect(other.text).toMatch(/Deployment frequency: 0 deploys .*low/);
    expect(other.text).toContain('Change failure rate: – (0 of 0) · _no data_');
  });

  it('exports the figures per production service on /metrics for Prometheus', async () => {
    const text = await (await fetch(`http://127.0.0.1:${h.app.port()}/metrics`)).text();
    expect(text).toContain('switchyard_dora_deploys{service="checkout"} 3');
    expect(text).toMatch(/switchyard_dora_change_failure_ratio\{service="checkout"\} 0\.66/);
    expect(text).toMatch(/switchyard_dora_time_to_restore_seconds\{service="checkout"\} 18\d\d/);
    expect(text).toMatch(/switchyard_dora_lead_time_seconds\{service="checkout"\} \d/);
  });

  it("puts the iteration's four keys into the iteration-close summary", async () => {
    const closed = await h.command('U0BOB', 'C0DEPLOYS', '/plan iteration close');
    expect(closed.status).toBe(200);
    const summary = await h.slack.waitFor(() => h.slack.messages('C0DEPLOYS').find((m) => m.text.startsWith('Delivery test closed')), {
      message: 'no iteration summary',
    });
    const text = JSON.stringify(summary.blocks);
    expect(text).toMatch(/Delivery this iteration:\* 3 production deploys \(medium\)/);
    expect(text).toMatch(/change failure 67 % \(low\)/);
    expect(text).toMatch(/time to restore 30m( \d+s)? \(elite\)/);
  });

  it("shows a person their team's figures on the App Home, and nothing to someone on no team", async () => {
    await h.slack.appHomeOpened('U0BOB');
    const home = await h.slack.waitFor(
      () => {
        const text = JSON.stringify(h.slack.homeView('U0BOB')?.blocks ?? []);
        return text.includes("Your team's delivery") ? text : undefined;
      },
      { message: 'no delivery section on the Home' },
    );
    expect(home).toContain('3 production deploys');
    expect(home).toMatch(/Change failure rate\*\\n67 %/);
    await h.slack.appHomeOpened('U0FRANK');
    await h.slack.waitFor(() => h.slack.homeView('U0FRANK'), { message: 'no Home for frank' });
    expect(JSON.stringify(h.slack.homeView('U0FRANK')?.blocks)).not.toContain("Your team's delivery");
  });

  it.each([
    ['/switchyard metrics --since 2h', '--since must be between 1d and 366d'],
    ['/switchyard metrics --service nope', 'No pipeline deploys `nope` to production'],
    ['/switchyard metrics --service checkout --team C0CHECKOUT', 'Give --service or --team, not both.'],
    ['/switchyard metrics --since soon', 'is not a duration'],
  ])('refuses %s with a specific message', async (line, message) => {
    const r = await h.command('U0ALICE', 'C0DEPLOYS', line);
    expect(r.text).toContain(message);
  });

  it('posts the weekly digest once per team per week, with two workers and a repeated tick', async () => {
    second = await createSwitchyard({
      settings: h.settings,
      role: 'worker',
      slack: { token: h.wiring.token, signingSecret: h.wiring.signingSecret, apiUrl: h.wiring.apiUrl, ...BOT },
      modules,
      log: silentLogger,
      clock: { now: () => Date.now() + shift },
    });
    await second.start();
    for (const id of ['tick-a', 'tick-b']) {
      await h.app.ctx.jobs.enqueue(DIGEST_TICK.name, {}, { id });
      expect(await jobSettled(h, DIGEST_TICK.name, id)).toBe('completed');
    }
    const digest = await h.slack.waitFor(() => h.slack.messages('C0CHECKOUT').find((m) => m.text.startsWith('Weekly delivery digest')), {
      message: 'no digest in the team channel',
    });
    expect(digest.text).toContain('team');
    // The team's post is one job (its id names the team and the week): once it has settled, nothing more comes.
    const teamJob = `digest-C0CHECKOUT-${weekOf(Date.now())}`;
    expect(await jobSettled(h, DIGEST_TEAM.name, teamJob)).toBe('completed');
    await h.slack.waitFor(async () => (await h.app.ctx.jobs.depth('slack.outbox')) === 0 || undefined, { message: 'outbox busy' });
    expect(h.slack.messages('C0CHECKOUT').filter((m) => m.text.startsWith('Weekly delivery digest'))).toHaveLength(1);
    // The chart arrives as an uploaded PNG (getUploadURLExternal, the bytes, completeUploadExternal), once.
    const charts = h.slack.messages('C0CHECKOUT').filter((m) => m.files?.length);
    expect(charts).toHaveLength(1);
    const file = charts[0]!.files![0]!;
    expect(file).toMatchObject({ mimetype: 'image/png', title: expect.stringMatching(/^Delivery, 8 weeks to \d{4}-\d{2}-\d{2}$/) });
    expect(file.alt_txt).toMatch(/production deploys per week .*: 4 deploys, 2 failed changes/);
    const png = Buffer.from(await (await fetch(file.url_private)).arrayBuffer());
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect(png.length).toBeGreaterThan(2000);
    expect(
      h.slack
        .calls()
        .map((c) => c.method)
        .filter((m) => m.startsWith('files.')),
    ).toEqual(['files.getUploadURLExternal', 'files.completeUploadExternal']);
    expect(weekOf(Date.UTC(2026, 11, 6, 23))).toBe('2026-11-30');
    expect(weekOf(Date.UTC(2026, 11, 7, 0))).toBe('2026-12-07');
  }, 60_000);
});
