import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makePipelinesModule } from '../../src/app/wire-pipelines.js';
import type { RunInfo } from '../../src/domain/contracts.js';
import { servicesOf } from '../../src/domain/services.js';
import { incidentIdIn, startIncidents, type IncidentsHarness } from './support.js';

// Deploy-aware incidents with the real pipelines module (test/incidents/workflows): recent
// deployments on the summary with Roll back, and the SEV1/SEV2 production freeze with --fix.
describe('deploy-aware incidents', () => {
  let ih: IncidentsHarness;
  beforeAll(async () => {
    ih = await startIncidents('inc-deploy', {
      extraModules: [makePipelinesModule({ workflowsDir: 'test/incidents/workflows', leaseMs: 900, watchdogMs: 300, pollMs: 40 })],
    });
  });
  afterAll(async () => {
    await ih?.close();
  });

  const runId = (text: string) => {
    const m = /run \*(r\d+)\*/i.exec(text);
    if (!m) throw new Error(`no run id in: ${text}`);
    return m[1]!;
  };
  const finished = async (id: string): Promise<RunInfo> => {
    const p = servicesOf(ih.h.app.ctx).get('pipelines');
    for (let i = 0; i < 500; i++) {
      const r = await p.getRun(id);
      if (r && ['succeeded', 'failed', 'cancelled'].includes(r.status)) return r;
      await new Promise((res) => setTimeout(res, 20));
    }
    throw new Error(`run ${id} did not finish: ${JSON.stringify(await p.getRun(id))}`);
  };
  const deploy = async (args: string) => ih.h.command('U0BOB', 'C0DEPLOYS', `/pipeline run checkout-deploy ${args}`);

  let incId = '';
  let v11 = '';

  it('lists the recent deployments of the affected service on the summary, each with Roll back', async () => {
    const { h } = ih;
    const first = runId((await deploy('--env production --ref v1.0')).text);
    expect((await finished(first)).status).toBe('succeeded');
    v11 = runId((await deploy('--env production --ref v1.1')).text);
    expect((await finished(v11)).status).toBe('succeeded');
    incId = incidentIdIn(
      (await h.command('U0ERIN', 'C0INCIDENTS', '/incident declare sev1 "Checkout broken after release" --service checkout')).text,
    );
    const inc = await ih.ready(incId);
    const summary = h.slack.messages(inc.channel!).find((m) => h.slack.pins(inc.channel!).includes(m.ts))!;
    const blocks = JSON.stringify(summary.blocks);
    expect(blocks).toContain(`\`${v11}\` *checkout* \`v1.1\` to *production* by <@U0BOB>`);
    expect(blocks).toContain(`\`${first}\` *checkout* \`v1.0\``);
    expect(blocks).toContain(`"value":"${incId}|${v11}"`);
  });

  it('Roll back starts a run of the last successful ref before that run, through the same pipeline', async () => {
    const { h } = ih;
    const inc = await ih.incident(incId);
    const summary = h.slack.messages(inc.channel!).find((m) => h.slack.pins(inc.channel!).includes(m.ts))!;
    const grace = await h.slack.pressButton({
      user: 'U0GRACE',
      channel: inc.channel!,
      ts: summary.ts,
      actionId: 'incident.rollback',
      value: `${incId}|${v11}`,
    });
    expect(grace.status).toBe(200);
    await h.slack.waitFor(() => h.slack.ephemerals('U0GRACE').find((e) => e.text.includes('`deployer`')));
    await h.slack.pressButton({
      user: 'U0BOB',
      channel: inc.channel!,
      ts: summary.ts,
      actionId: 'incident.rollback',
      value: `${incId}|${v11}`,
    });
    const answer = await h.slack.waitFor(() => h.slack.ephemerals('U0BOB').find((e) => e.text.startsWith('Rollback started')));
    const rollback = /run `(r\d+)`/.exec(answer.text)![1]!;
    const run = await finished(rollback);
    expect(run).toMatchObject({
      pipeline: 'checkout-deploy',
      env: 'production',
      ref: 'v1.0',
      rollbackOf: v11,
      fixIncident: incId,
      status: 'succeeded',
    });
    expect((await ih.timeline(incId)).some((e) => e.kind === 'rollback' && e.text.includes(`as run ${rollback}`))).toBe(true);
    await h.slack.waitFor(
      () =>
        JSON.stringify(h.slack.messages(inc.channel!).find((m) => h.slack.pins(inc.channel!).includes(m.ts))!.blocks).includes(
          `rollback of \`${v11}\``,
        ),
      { message: 'summary does not show the rollback run' },
    );
  });

  it('refuses a production deploy of the service while the SEV1 is open; staging and a --fix run pass', async () => {
    const refused = await deploy('--env production --ref v1.2');
    expect(refused.text).toContain(`${incId} (SEV1) is open for checkout`);
    expect(refused.text).toContain(`--fix ${incId}`);
    const staging = runId((await deploy('--env staging --ref v1.2')).text);
    expect((await finished(staging)).status).toBe('succeeded');
    const fix = runId((await deploy(`--env production --ref v1.2-hotfix --fix ${incId.toLowerCase()}`)).text);
    expect((await finished(fix)).status).toBe('succeeded');
    let timeline = await ih.timeline(incId);
    for (let i = 0; i < 200 && !timeline.some((e) => e.text.includes(`Fix run ${fix} to production finished: succeeded`)); i++) {
      await new Promise((r) => setTimeout(r, 20));
      timeline = await ih.timeline(incId);
    }
    const texts = timeline.filter((e) => e.kind === 'fix-deploy').map((e) => e.text);
    expect(texts).toEqual(
      expect.arrayContaining([
        expect.stringContaining('let through the freeze'),
        expect.stringContaining(`Fix run ${fix} of checkout-deploy (v1.2-hotfix)`),
        `Fix run ${fix} to production finished: succeeded`,
      ]),
    );
    const other = await ih.h.command('U0ERIN', 'C0INCIDENTS', `/incident resolve "Rolled back" --id ${incId}`);
    expect(other.text).toContain('resolved');
    const after = runId((await deploy('--env production --ref v1.3')).text);
    expect((await finished(after)).status).toBe('succeeded');
  });
});
