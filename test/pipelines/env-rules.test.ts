import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { servicesOf } from '../../src/domain/services.js';
import { refMatches } from '../../src/domain/pipelines/refs.js';
import { startHarness, type Harness } from '../support/harness.js';
import { waitFor } from '../support/redis.js';
import { companionsModule, runIdOf, testPipelines, waitRunText } from './support.js';

const MINUTE = 60_000;

// rules-deploy (test/pipelines/workflows/rules.yml): production admits main, release/* and v* and
// needs the same build (ref and `version`) to have run in staging 30 minutes before. The bot's
// clock is moved forward instead of waiting half an hour (as retention.test.ts moves it back).
describe('environment rules: refs and soak time', () => {
  let h: Harness;
  let shift = 0;
  beforeAll(async () => {
    h = await startHarness({
      name: 'pipelines-env-rules',
      modules: [testPipelines(), companionsModule],
      clock: { now: () => Date.now() + shift },
    });
  });
  afterAll(async () => {
    await h?.close();
  });
  const run = async (id: string) => (await servicesOf(h.app.ctx).get('pipelines').getRun(id))!;
  const refusal = (rule: string) =>
    waitFor(
      async () => (await h.app.ctx.audit.query({ actor: 'U0BOB', action: '/pipeline run' })).find((e) => e.rule === rule),
      5000,
      `the audit entry of the refusal by ${rule}`,
    );

  it('matches ref patterns: names, one-part and many-part globs, refs/heads and refs/tags prefixes', () => {
    expect(refMatches('main', 'main')).toBe(true);
    expect(refMatches('main', 'main2')).toBe(false);
    expect(refMatches('release/*', 'release/2026-12')).toBe(true);
    expect(refMatches('release/*', 'release/2026/12')).toBe(false);
    expect(refMatches('release/**', 'release/2026/12')).toBe(true);
    expect(refMatches('v*', 'refs/tags/v1.4.2')).toBe(true);
    expect(refMatches('v*', 'feature/v1')).toBe(false);
    expect(refMatches('v1.*', 'v1x2')).toBe(false); // the dot is a dot, not "any character"
  });

  it('shows the rules in /pipeline list', async () => {
    const list = await h.command('U0GRACE', 'C0DEPLOYS', '/pipeline list');
    expect(list.text).toContain('envs: staging, production (`prod-deployer`; refs `main` `release/*` `v*`; soak 30m in staging)');
  });

  it('refuses a ref the environment does not admit, before a run exists, naming the rule (audited)', async () => {
    const before = (await servicesOf(h.app.ctx).get('pipelines').recentRuns({ service: 'rulesvc', limit: 50 })).length;
    const res = await h.command('U0BOB', 'C0DEPLOYS', '/pipeline run rules-deploy --env production --ref feature/checkout-v2');
    expect(res.text).toContain('`feature/checkout-v2` may not deploy to `production`');
    expect(res.text).toContain('the refs rule of rules-deploy for production admits only `main`, `release/*`, `v*`');
    expect((await servicesOf(h.app.ctx).get('pipelines').recentRuns({ service: 'rulesvc', limit: 50 })).length).toBe(before);
    expect(await refusal('env-rule:rules-deploy:production:refs')).toMatchObject({ outcome: 'refused' });
    // Staging has no refs rule: the same ref deploys there.
    const staged = runIdOf(
      (await h.command('U0BOB', 'C0DEPLOYS', '/pipeline run rules-deploy --env staging --ref feature/checkout-v2')).text,
    );
    await waitRunText(h, 'C0DEPLOYS', staged, /: succeeded/);
  });

  it('refuses production until the same build has soaked in staging for 30 minutes, then lets it through', async () => {
    const never = await h.command('U0BOB', 'C0DEPLOYS', '/pipeline run rules-deploy --env production --ref v2.0.0 --param version=2.0.0');
    expect(never.text).toContain('`v2.0.0` (version 2.0.0) has not run successfully in `staging`');
    expect(never.text).toContain('production needs 30m of soak in staging');
    expect(await refusal('env-rule:rules-deploy:production:soak')).toMatchObject({ outcome: 'refused' });

    const staged = runIdOf(
      (await h.command('U0BOB', 'C0DEPLOYS', '/pipeline run rules-deploy --env staging --ref v2.0.0 --param version=2.0.0')).text,
    );
    await waitRunText(h, 'C0DEPLOYS', staged, /: succeeded/);
    shift += 10 * MINUTE;
    const early = await h.command('U0BOB', 'C0DEPLOYS', '/pipeline run rules-deploy --env production --ref v2.0.0 --param version=2.0.0');
    expect(early.text).toMatch(/`v2\.0\.0` \(version 2\.0\.0\) finished in `staging` 10m\d*s? ago \(run r\d+\)/);
    expect(early.text).toContain(`(run ${staged})`);
    expect(early.text).toMatch(/so not before \d{4}-\d\d-\d\d \d\d:\d\d UTC\./);

    shift += 21 * MINUTE;
    // Another build of the same ref did not soak: the artifact param is part of "the same build".
    const otherBuild = await h.command(
      'U0BOB',
      'C0DEPLOYS',
      '/pipeline run rules-deploy --env production --ref v2.0.0 --param version=2.0.1',
    );
    expect(otherBuild.text).toContain('`v2.0.0` (version 2.0.1) has not run successfully in `staging`');

    const ok = await h.command('U0BOB', 'C0DEPLOYS', '/pipeline run rules-deploy --env production --ref v2.0.0 --param version=2.0.0');
    const id = runIdOf(ok.text);
    await waitRunText(h, 'C0DEPLOYS', id, /: succeeded/);
    expect(await run(id)).toMatchObject({ env: 'production', ref: 'v2.0.0', params: { version: '2.0.0' } });
  });

  it('refuses a workflow whose soak names an unknown environment', async () => {
    const { workflowSchema } = await import('../../src/domain/pipelines/schema.js');
    const parsed = workflowSchema.safeParse({
      name: 'bad',
      service: 'bad',
      team_channel: 'C0DEPLOYS',
      environments: { production: { soak: { in: 'qa', for: '10m' }, refs: ['release/*'] } },
      stages: [{ id: 'a', kind: 'shell' }],
    });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((i) => i.message)).toContain('unknown environment qa (environments: production)');
  });
});
