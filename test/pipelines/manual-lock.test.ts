import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness.js';
import { waitFor } from '../support/redis.js';
import { companionsModule, runIdOf, testPipelines, threadTexts, waitRunText } from './support.js';

// Manual locks (Shipit-style) on rulesvc/staging (test/pipelines/workflows/rules.yml). Roles
// (config/access.yml): U0BOB deployer, U0ERIN deployer through @sre, U0ALICE admin, U0GRACE none.
describe('manual locks: /pipeline lock and unlock', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ name: 'pipelines-manual-lock', modules: [testPipelines(), companionsModule] });
  });
  afterAll(async () => {
    await h?.close();
  });
  const homeText = (user: string) => JSON.stringify(h.slack.homeView(user)?.blocks ?? []);
  const auditOf = (actor: string, action: string) =>
    waitFor(async () => (await h.app.ctx.audit.query({ actor, action }))[0], 5000, `audit of ${actor} ${action}`);

  it('blocks every run to the service and environment, saying who locked it, when and why, until its owner unlocks it', async () => {
    const locked = await h.command('U0BOB', 'C0DEPLOYS', '/pipeline lock rulesvc staging "db migration in progress"');
    expect(locked.text).toContain('rulesvc/staging is locked');
    // The owning team hears of it in its channel.
    await h.slack.waitFor(() =>
      h.slack.messages('C0DEPLOYS').find((m) => m.text === ':lock: <@U0BOB> locked rulesvc/staging: "db migration in progress"'),
    );

    const refused = await h.command('U0ERIN', 'C0DEPLOYS', '/pipeline run rules-deploy --env staging');
    expect(refused.text).toContain('rulesvc/staging is locked by <@U0BOB> since');
    expect(refused.text).toMatch(/since \d{4}-\d\d-\d\d \d\d:\d\d UTC: "db migration in progress"/);
    expect(refused.text).toContain('/pipeline unlock rulesvc staging');
    expect((await auditOf('U0ERIN', '/pipeline run')).rule).toBe('guard:manual-lock');
    // The person who locked it is held too, and an admin cannot pass it with --override.
    expect((await h.command('U0BOB', 'C0DEPLOYS', '/pipeline run rules-deploy --env staging')).text).toContain('is locked by');
    const override = await h.command('U0ALICE', 'C0DEPLOYS', '/pipeline run rules-deploy --env staging --override "need it now"');
    expect(override.text).toContain('is locked by');
    // A second lock does not replace the first one.
    const again = await h.command('U0ERIN', 'C0DEPLOYS', '/pipeline lock rulesvc staging "mine now"');
    expect(again.text).toContain('Already locked: rulesvc/staging is locked by <@U0BOB>');

    // The lock shows on the App Home.
    await h.slack.appHomeOpened('U0ERIN');
    await h.slack.waitFor(() => homeText('U0ERIN').includes('Locked for deploys'));
    expect(homeText('U0ERIN')).toContain('*rulesvc/staging*');
    expect(homeText('U0ERIN')).toContain('db migration in progress');

    const unlocked = await h.command('U0BOB', 'C0DEPLOYS', '/pipeline unlock rulesvc staging');
    expect(unlocked.text).toContain('rulesvc/staging is unlocked');
    const id = runIdOf((await h.command('U0ERIN', 'C0DEPLOYS', '/pipeline run rules-deploy --env staging')).text);
    await waitRunText(h, 'C0DEPLOYS', id, /: succeeded/);
    await h.slack.appHomeOpened('U0ERIN');
    await h.slack.waitFor(() => !homeText('U0ERIN').includes('Locked for deploys'));
  });

  it('stops a run queued behind a deploy when the lock is taken before it is handed the deploy lock', async () => {
    const gate = runIdOf((await h.command('U0BOB', 'C0DEPLOYS', '/pipeline run gated-deploy --env production')).text);
    await waitRunText(h, 'C0DEPLOYS', gate, /gate waiting/);
    const queued = runIdOf((await h.command('U0BOB', 'C0DEPLOYS', '/pipeline run gated-deploy --env production --ref queued')).text);
    await h.command('U0BOB', 'C0DEPLOYS', '/pipeline lock gated production "release train paused"');
    await h.command('U0BOB', 'C0DEPLOYS', `/pipeline cancel ${gate}`);
    await waitRunText(h, 'C0DEPLOYS', queued, /: failed/);
    expect(threadTexts(h, 'C0DEPLOYS', queued).join('\n')).toContain('Stopped when it was handed the deploy lock by manual-lock');
    await h.command('U0BOB', 'C0DEPLOYS', '/pipeline unlock gated production');
  });

  it("lets an admin break someone else's lock only with --force and a reason (audited); others may not", async () => {
    await h.command('U0BOB', 'C0DEPLOYS', '/pipeline lock rulesvc production "waiting for the vendor"');
    const erin = await h.command('U0ERIN', 'C0DEPLOYS', '/pipeline unlock rulesvc production');
    expect(erin.text).toContain('was locked by <@U0BOB>: only they or an admin may unlock it');
    const bare = await h.command('U0ALICE', 'C0DEPLOYS', '/pipeline unlock rulesvc production');
    expect(bare.text).toContain("Breaking someone else's lock needs a reason");
    const forced = await h.command('U0ALICE', 'C0DEPLOYS', '/pipeline unlock rulesvc production --force "vendor confirmed the fix"');
    expect(forced.text).toContain('rulesvc/production is unlocked (locked by <@U0BOB> since');
    // The owner is told in a DM who broke the lock and why.
    const dm = await h.slack.waitFor(() => h.slack.messages(h.slack.dmChannel('U0BOB').id).find((m) => m.text.includes('broke your lock')));
    expect(dm.text).toBe(':unlock: <@U0ALICE> broke your lock on rulesvc/production: "vendor confirmed the fix".');
    const entry = await auditOf('U0ALICE', '/pipeline unlock');
    expect(entry).toMatchObject({ outcome: 'ok', target: 'rulesvc/production' });
    expect(entry.detail).toContain("broke U0BOB's lock (waiting for the vendor); reason: vendor confirmed the fix");
    const again = await h.command('U0ALICE', 'C0DEPLOYS', '/pipeline unlock rulesvc production');
    expect(again.text).toContain('is not locked');
  });

  it('needs the deployer role to lock, and a service and environment the pipeline files name', async () => {
    const grace = await h.command('U0GRACE', 'C0DEPLOYS', '/pipeline lock rulesvc staging "just because"');
    expect(grace.text).toContain('deployer');
    expect((await auditOf('U0GRACE', '/pipeline lock')).outcome).toBe('refused');
    const unknown = await h.command('U0BOB', 'C0DEPLOYS', '/pipeline lock nosuchsvc staging "x"');
    expect(unknown.text).toContain('nosuchsvc');
    const env = await h.command('U0BOB', 'C0DEPLOYS', '/pipeline lock rulesvc qa "x"');
    expect(env.text).toContain('qa');
    expect((await h.command('U0ERIN', 'C0DEPLOYS', '/pipeline run rules-deploy --env staging')).text).toContain('Started run');
  });
});
