import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunDoc } from '../../src/domain/pipelines/model.js';
import { startHarness, type Harness } from '../support/harness.js';
import { waitFor } from '../support/redis.js';
import { companionsModule, runIdOf, runMessage, testPipelines, waitRunText } from './support.js';

const MINUTE = 60_000;

// `/pipeline promote <run> --to production` on rules-deploy (test/pipelines/workflows/rules.yml):
// its `build` stage is marked `build: true`, `version` is its artifact param, and production needs
// 30 minutes of soak in staging (the bot's clock is moved forward instead of waiting).
describe('promotion: deploy what staging ran', () => {
  let h: Harness;
  let shift = 0;
  beforeAll(async () => {
    h = await startHarness({
      name: 'pipelines-promote',
      modules: [testPipelines(), companionsModule],
      clock: { now: () => Date.now() + shift },
    });
  });
  afterAll(async () => {
    await h?.close();
  });
  const doc = async (id: string) => (await h.app.ctx.store.getJson<RunDoc>(h.app.ctx.store.key('pipelines', 'run', id)))!;

  it("deploys the staging run's ref and artifact, skips the build stage, and is held to the soak rule", async () => {
    const staged = runIdOf(
      (
        await h.command(
          'U0BOB',
          'C0DEPLOYS',
          '/pipeline run rules-deploy --env staging --ref release/7 --param version=7.0.3 --param replicas=2',
        )
      ).text,
    );
    await waitRunText(h, 'C0DEPLOYS', staged, /: succeeded/);

    const early = await h.command('U0BOB', 'C0DEPLOYS', `/pipeline promote ${staged} --to production`);
    expect(early.text).toContain('`release/7` (version 7.0.3) finished in `staging`');
    expect(early.text).toContain('production needs 30m of soak in staging');

    shift += 31 * MINUTE;
    const changed = await h.command('U0BOB', 'C0DEPLOYS', `/pipeline promote ${staged} --to production --param version=7.0.4`);
    expect(changed.text).toContain('`version` names the build');

    const res = await h.command('U0BOB', 'C0DEPLOYS', `/pipeline promote ${staged} --to production --param replicas=6`);
    expect(res.text).toContain(`promotes ${staged} to production`);
    const id = runIdOf(res.text);
    const msg = await waitRunText(h, 'C0DEPLOYS', id, /: succeeded/);
    const promoted = await doc(id);
    expect(promoted).toMatchObject({
      env: 'production',
      ref: 'release/7',
      params: { version: '7.0.3', replicas: '6' },
      promotedFrom: staged,
    });
    expect(promoted.stages.find((s) => s.id === 'build')).toMatchObject({ status: 'skipped', skip: 'promoted' });
    expect(promoted.stages.find((s) => s.id === 'deploy')).toMatchObject({ status: 'succeeded' });
    // The run card shows the skipped build stage and where the build came from.
    expect(msg.text).toContain('build skipped');
    const card = JSON.stringify(runMessage(h, 'C0DEPLOYS', id)?.blocks);
    expect(card).toContain(`build stage: promoted from ${staged}`);
    expect(card).toContain(`promoted from ${staged}`);
    const log = await h.command('U0BOB', 'C0DEPLOYS', `/pipeline logs ${id} deploy`);
    expect(log.text).toContain('deploying 7.0.3 (release/7) to production x6');
    const entry = await waitFor(async () =>
      (await h.app.ctx.audit.query({ actor: 'U0BOB', action: '/pipeline promote' })).find((e) => e.target === id),
    );
    expect(entry).toMatchObject({ outcome: 'ok', detail: `promotion of ${staged} to production, ref release/7` });
  });

  it('refuses to promote a run that did not succeed, or into a ref the target does not admit, or without the role', async () => {
    const feature = runIdOf((await h.command('U0BOB', 'C0DEPLOYS', '/pipeline run rules-deploy --env staging --ref feature/x')).text);
    await waitRunText(h, 'C0DEPLOYS', feature, /: succeeded/);
    shift += 31 * MINUTE;
    const refused = await h.command('U0BOB', 'C0DEPLOYS', `/pipeline promote ${feature} --to production`);
    expect(refused.text).toContain('`feature/x` may not deploy to `production`');
    // U0ERIN deploys (through @sre) but lacks prod-deployer.
    const role = await h.command('U0ERIN', 'C0DEPLOYS', `/pipeline promote ${feature} --to production`);
    expect(role.text).toContain('needs the `prod-deployer` role');
    const same = await h.command('U0BOB', 'C0DEPLOYS', `/pipeline promote ${feature} --to staging`);
    expect(same.text).toContain('already deployed to `staging`');
    const held = runIdOf((await h.command('U0BOB', 'C0DEPLOYS', '/pipeline run gated-deploy --env production')).text);
    await waitRunText(h, 'C0DEPLOYS', held, /gate waiting/);
    const waiting = await h.command('U0BOB', 'C0DEPLOYS', `/pipeline promote ${held} --to staging`);
    expect(waiting.text).toContain('only a run that succeeded can be promoted');
    await h.command('U0BOB', 'C0DEPLOYS', `/pipeline cancel ${held}`);
  });
});
