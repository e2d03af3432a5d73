import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness.js';
import { ArgoCdFake } from '../fakes/argocd.js';
import { makeGitOpsModule } from '../../src/app/wire-gitops.js';
import { companionsModule, runIdOf, runMessage, SECRET, testPipelines, waitRunText } from './support.js';

const TOKEN = 'argocd-account-token-7788';

// The argocd kind against a loopback server answering as argocd-server's REST gateway does.
describe('argocd stage kind', () => {
  let h: Harness;
  const argo = new ArgoCdFake([TOKEN, SECRET]);
  beforeAll(async () => {
    await argo.listen();
    for (const [name, b] of [
      ['web', 'healthy'],
      ['web-degraded', 'degraded'],
      ['web-broken', 'fail'],
      ['web-hold', 'hold'],
      ['web-stuck', 'hold'],
      ['web-late', 'hold'],
    ] as const)
      argo.addApp(name, b);
    argo.apps.get('web-late')!.startMs = 3000;
    h = await startHarness({
      name: 'pipelines-argocd',
      modules: [testPipelines({ workflowsDir: 'test/gitops/workflows' }), makeGitOpsModule({ pollMs: 40 }), companionsModule],
      env: { ARGOCD_URL: argo.url, ARGOCD_TOKEN: TOKEN },
    });
  });
  afterAll(async () => {
    await h?.close();
    await argo.close();
  });

  const blocksOf = (id: string) => JSON.stringify(runMessage(h, 'C0DEPLOYS', id)?.blocks ?? '');

  it('syncs the app to the run ref, waits for Healthy and shows the resources that changed', async () => {
    const id = runIdOf((await h.command('U0BOB', 'C0DEPLOYS', '/pipeline run argocd-deploy --env staging --ref 4f5e6d7c')).text);
    await waitRunText(h, 'C0DEPLOYS', id, /: succeeded/);
    const [sync] = argo.syncRequests('web');
    expect(sync!.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(JSON.parse(sync!.body)).toEqual({ revision: '4f5e6d7c', prune: true, dryRun: false });
    const blocks = blocksOf(id);
    expect(blocks).toContain('operation Succeeded, Synced, Healthy');
    expect(blocks).toContain('Deployment web/web configured');
    expect(blocks).toContain('ConfigMap web/web-config created');
    expect(blocks).toContain('CronJob web/old-report pruned');
    expect(blocks).not.toContain('Service web/web'); // unchanged: not listed
    expect(blocks).toContain(`${argo.url}/applications/web`);
    expect(argo.terminations('web')).toHaveLength(0);
    const logs = await h.command('U0BOB', 'C0DEPLOYS', `/pipeline logs ${id} sync`);
    expect(logs.text).toContain('requested a sync of web to 4f5e6d7c (prune)');
    expect(logs.text).not.toContain(TOKEN);
  });

  it('fails the stage when the app turns Degraded after the sync, saying why', async () => {
    const id = runIdOf((await h.command('U0BOB', 'C0DEPLOYS', '/pipeline run argocd-deploy --env staging --param app=web-degraded')).text);
    await waitRunText(h, 'C0DEPLOYS', id, /: failed/);
    const blocks = blocksOf(id);
    expect(blocks).toContain('operation Succeeded, Synced, Degraded');
    expect(blocks).toContain('exceeded its progress deadline');
  });

  it('fails the stage when the sync operation fails, naming the resource that failed', async () => {
    const id = runIdOf((await h.command('U0BOB', 'C0DEPLOYS', '/pipeline run argocd-deploy --env staging --param app=web-broken')).text);
    await waitRunText(h, 'C0DEPLOYS', id, /: failed/);
    const blocks = blocksOf(id);
    expect(blocks).toContain('operation Failed');
    expect(blocks).toContain('Deployment web/web failed: Deployment.apps');
  });

  it('cancelling the run terminates the running sync operation', async () => {
    const id = runIdOf((await h.command('U0BOB', 'C0DEPLOYS', '/pipeline run argocd-deploy --env staging --param app=web-hold')).text);
    await h.slack.waitFor(() => argo.apps.get('web-hold')!.operationState?.phase === 'Running' || undefined, { timeoutMs: 10_000 });
    await h.command('U0BOB', 'C0DEPLOYS', `/pipeline cancel ${id}`);
    await waitRunText(h, 'C0DEPLOYS', id, /: cancelled/);
    expect(argo.terminations('web-hold')).toHaveLength(1);
    await h.slack.waitFor(() => argo.apps.get('web-hold')!.operationState?.phase === 'Failed' || undefined);
    expect(argo.apps.get('web-hold')!.operationState!.message).toBe('Operation terminated');
  });

  it('a cancel that comes before Argo CD has started the operation still terminates it once it starts', async () => {
    const id = runIdOf((await h.command('U0BOB', 'C0DEPLOYS', '/pipeline run argocd-deploy --env staging --param app=web-late')).text);
    await h.slack.waitFor(() => argo.syncRequests('web-late').length || undefined, { timeoutMs: 10_000 });
    await h.command('U0BOB', 'C0DEPLOYS', `/pipeline cancel ${id}`);
    await waitRunText(h, 'C0DEPLOYS', id, /: cancelled/);
    const app = argo.apps.get('web-late')!;
    await h.slack.waitFor(() => app.operationState?.message === 'Operation terminated' || undefined, { timeoutMs: 10_000 });
    // Refused while the operation had not started (no operation in progress), then terminated.
    expect(argo.terminations('web-late').length).toBeGreaterThanOrEqual(2);
  });

  it('times out, terminates the operation, and uses the stage’s injected token without showing it', async () => {
    const id = runIdOf((await h.command('U0BOB', 'C0DEPLOYS', '/pipeline run argocd-stuck --env staging')).text);
    const msg = await waitRunText(h, 'C0DEPLOYS', id, /: failed/);
    expect(JSON.stringify(msg.blocks)).toContain('timed out after');
    const [sync] = argo.syncRequests('web-stuck');
    expect(sync!.headers.authorization).toBe(`Bearer ${SECRET}`);
    expect(JSON.parse(sync!.body)).toEqual({ revision: 'v2.0.0', prune: false, dryRun: false });
    const [term] = argo.terminations('web-stuck');
    expect(term!.headers.authorization).toBe(`Bearer ${SECRET}`);
    const logs = await h.command('U0BOB', 'C0DEPLOYS', `/pipeline logs ${id} sync`);
    expect(logs.text).toContain('terminated the sync operation of web-stuck');
    expect(logs.text).not.toContain(SECRET);
  });
});
