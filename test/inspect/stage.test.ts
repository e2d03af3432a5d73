import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ProcessCommandRunner } from '../../src/adapters/scanner/command-runner.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeInspectModule } from '../../src/app/wire-inspect.js';
import { makePipelinesModule } from '../../src/app/wire-pipelines.js';
import type { ModuleFactory } from '../../src/core/module.js';
import { silentLogger } from '../../src/core/ports/runtime.js';
import type { PipelineService } from '../../src/domain/contracts.js';
import { createApprovalsModule } from '../../src/app/modules/approvals.js';
import { loadInspectConfig } from '../../src/domain/inspect/config.js';
import { GateStore } from '../../src/domain/inspect/gate.js';
import { inspectStageKind } from '../../src/domain/inspect/stage.js';
import { inspectPresenter } from '../../commands/inspect/render.js';
import { startHarness, type Harness } from '../support/harness.js';
import { inspectFixture, runIdOf, runMessage, threadOf, waitRun } from './support.js';
import { toPlainText } from '../../src/core/outbound.js';

// The inspect stage inside real pipeline runs, driven through the local Slack workspace: policy
// rules, a Trivy report, the secret-leak check, and the override gate with its audit trail.
const approvals: ModuleFactory = (ctx) => createApprovalsModule(ctx, { policyFile: 'test/inspect/approvals.yml' });

describe('inspect stage in a pipeline', () => {
  let h: Harness;
  const fx = inspectFixture({ slowScanner: true });
  const pipelines = () => h.app.ctx.services.get('pipelines' as never) as PipelineService;
  const gateMessage = (runId: string) => threadOf(h, 'C0DEPLOYS', runId).find((m) => m.text.includes('is blocked'));

  beforeAll(async () => {
    h = await startHarness({
      name: 'inspect-stage',
      // A stage lease far above any event-loop stall of a loaded machine: with a short one the
      // watchdog takes a live inspect stage over, twice fails the run, and its gate closes under
      // the test's feet. Nothing here exercises takeovers (test/pipelines does).
      modules: [
        makePipelinesModule({ workflowsDir: 'test/inspect/workflows', leaseMs: 10_000, watchdogMs: 300, pollMs: 40 }),
        approvals,
        makeInspectModule({ configFile: fx.configFile }),
      ],
    });
  });
  afterAll(async () => {
    await h?.close();
    rmSync(fx.dir, { recursive: true, force: true });
  });

  it('fails a production run from a branch on the tag policy and passes one from a tag', async () => {
    const branch = runIdOf((await h.command('U0BOB', 'C0DEPLOYS', '/pipeline run shop-deploy --env production --ref main')).text);
    await waitRun(h, 'C0DEPLOYS', branch, /inspect waiting/);
    const note = await h.slack.waitFor(() => threadOf(h, 'C0DEPLOYS', branch).find((m) => m.text.includes('Inspection `inspect`: fail')));
    expect(note.text).toContain('*policy* fail');
    expect(note.text).toContain('`prod-from-tags`');
    expect(note.text).toContain('ref `main` does not match');
    expect(note.text).toContain('*trivy* pass');
    const info = (await pipelines().getRun(branch))!;
    expect(info.stages.find((s) => s.id === 'deploy')?.status).toBe('pending');
    // One deployment at a time per service and environment: end the blocked one.
    await h.command('U0ALICE', 'C0DEPLOYS', `/pipeline cancel ${branch}`);
    await waitRun(h, 'C0DEPLOYS', branch, /: cancelled/);
    const closed = await h.slack.waitFor(() => threadOf(h, 'C0DEPLOYS', branch).find((m) => m.text.includes('ended while inspection')));
    expect(closed.blocks?.some((b) => b.type === 'actions')).toBe(false);

    const tag = runIdOf((await h.command('U0BOB', 'C0DEPLOYS', '/pipeline run shop-deploy --env production --ref v1.5.0')).text);
    await waitRun(h, 'C0DEPLOYS', tag, /: succeeded/);
    const done = (await pipelines().getRun(tag))!;
    const inspect = done.stages.find((s) => s.id === 'inspect')!;
    expect(inspect.summary).toBe('inspect pass: policy pass, trivy pass, secrets pass');
    expect(inspect.details).toMatchObject({
      verdict: 'pass',
      inspectors: [
        { inspector: 'policy', verdict: 'pass' },
        { inspector: 'trivy', verdict: 'pass' },
        { inspector: 'secrets', verdict: 'pass' },
      ],
    });
    const passNote = await h.slack.waitFor(() => threadOf(h, 'C0DEPLOYS', tag).find((m) => m.text.includes('Inspection `inspect`: pass')));
    expect(passNote.text).toContain('no-open-sev: skipped, the incidents capability is not enabled');
  });

  it('records the Trivy findings and the verdict each environment threshold gives', async () => {
    const staging = runIdOf(
      (await h.command('U0BOB', 'C0DEPLOYS', '/pipeline run shop-deploy --env staging --ref v1.5.0 --param scan=image')).text,
    );
    await waitRun(h, 'C0DEPLOYS', staging, /: succeeded/);
    const st = (await pipelines().getRun(staging))!.stages.find((s) => s.id === 'inspect')!;
    const trivy = (st.details!.inspectors as Array<Record<string, unknown>>).find((i) => i.inspector === 'trivy')!;
    expect(trivy).toMatchObject({ verdict: 'warn', counts: { critical: 2, high: 2, medium: 1, low: 1 } });
    expect((trivy.findings as Array<{ id: string }>)[0]).toMatchObject({
      id: 'CVE-2021-44906',
      severity: 'critical',
      location: 'minimist 1.2.5 in app/package-lock.json',
      fix: 'upgrade minimist to 1.2.6, 0.2.4',
    });
    const note = await h.slack.waitFor(() => threadOf(h, 'C0DEPLOYS', staging).find((m) => m.text.includes('Inspection `inspect`: warn')));
    expect(note.text).toContain('*trivy* warn (2 critical, 2 high, 1 medium, 1 low)');
    expect(note.text).toContain('CVE-2023-45853');

    const prod = runIdOf(
      (await h.command('U0BOB', 'C0DEPLOYS', '/pipeline run shop-deploy --env production --ref v1.5.1 --param scan=image')).text,
    );
    await waitRun(h, 'C0DEPLOYS', prod, /inspect waiting/);
    const pt = (await pipelines().getRun(prod))!.stages.find((s) => s.id === 'inspect')!;
    expect(pt.status).toBe('waiting');
    expect(pt.summary).toContain('inspect fail: policy pass, trivy fail, secrets pass');
    await h.command('U0ALICE', 'C0DEPLOYS', `/pipeline cancel ${prod}`);
    await waitRun(h, 'C0DEPLOYS', prod, /: cancelled/);
  });

  it('lets an eligible approver override a failed inspection with a reason; refuses and audits anyone else', async () => {
    const id = runIdOf(
      (await h.command('U0BOB', 'C0DEPLOYS', '/pipeline run shop-deploy --env production --ref v1.6.0 --param scan=image')).text,
    );
    const gate = await h.slack.waitFor(() => gateMessage(id));

    // U0GRACE holds no role; U0BOB started the run: both refused, with the rule named.
    await h.slack.pressButton({ user: 'U0GRACE', channel: 'C0DEPLOYS', ts: gate.ts, actionId: 'inspect.override' });
    const refused = await h.slack.waitFor(() => h.slack.ephemerals('U0GRACE').find((e) => e.text.includes('may not override')));
    expect(refused.text).toContain('not-an-approver');
    await h.slack.pressButton({ user: 'U0BOB', channel: 'C0DEPLOYS', ts: gate.ts, actionId: 'inspect.override' });
    const self = await h.slack.waitFor(() => h.slack.ephemerals('U0BOB').find((e) => e.text.includes('may not override')));
    expect(self.text).toContain('requester-cannot-approve');
    const denials = await h.app.ctx.audit.query({ action: 'inspect.override', limit: 10 });
    expect(
      denials
        .filter((e) => e.outcome === 'refused')
        .map((e) => e.actor)
        .sort(),
    ).toEqual(['U0BOB', 'U0GRACE']);
    expect(denials.find((e) => e.actor === 'U0GRACE')).toMatchObject({ target: `${id}/inspect`, detail: 'rule: not-an-approver' });
    expect((await pipelines().getRun(id))!.status).toBe('waiting');

    // U0CAROL (approver): the reason form opens; a too-short reason keeps it open. U0DAVE (approver)
    // opens the form too, while the gate still waits, and submits it only after Carol decided.
    const views = h.slack.views().length;
    await h.slack.pressButton({ user: 'U0CAROL', channel: 'C0DEPLOYS', ts: gate.ts, actionId: 'inspect.override' });
    const modal = await h.slack.waitFor(() =>
      h.slack
        .views()
        .slice(views)
        .find((v) => v.callback_id === 'inspect.override' && v.open && v.user === 'U0CAROL'),
    );
    await h.slack.pressButton({ user: 'U0DAVE', channel: 'C0DEPLOYS', ts: gate.ts, actionId: 'inspect.override' });
    const late = await h.slack.waitFor(() =>
      h.slack
        .views()
        .slice(views)
        .find((v) => v.callback_id === 'inspect.override' && v.open && v.user === 'U0DAVE'),
    );
    const short = await h.slack.submitView({ user: 'U0CAROL', viewId: modal.id, values: { reason: { reason: 'ok' } } });
    expect(short.json).toMatchObject({ response_action: 'errors', errors: { reason: expect.stringContaining('at least 10') } });
    await h.slack.submitView({
      user: 'U0CAROL',
      viewId: modal.id,
      values: { reason: { reason: 'zlib and minimist are not reachable from the checkout API; upgrade planned' } },
    });

    await waitRun(h, 'C0DEPLOYS', id, /: succeeded/);
    const run = (await pipelines().getRun(id))!;
    const stage = run.stages.find((s) => s.id === 'inspect')!;
    expect(stage.status).toBe('succeeded');
    expect(toPlainText(stage.summary ?? '')).toContain('overridden by <@U0CAROL>');
    expect(stage.details).toMatchObject({ verdict: 'fail', override: { by: 'U0CAROL', reason: expect.stringContaining('not reachable') } });
    expect(run.stages.find((s) => s.id === 'deploy')?.status).toBe('succeeded');
    const shown = await h.slack.waitFor(() =>
      threadOf(h, 'C0DEPLOYS', id).find(
        (m) => m.text.includes('was overridden by <@U0CAROL>') && !m.blocks?.some((b) => b.type === 'actions'),
      ),
    );
    expect(shown.text).toContain('not reachable');
    const ok = await h.app.ctx.audit.query({ action: 'inspect.override', actor: 'U0CAROL', limit: 5 });
    expect(ok[0]).toMatchObject({ outcome: 'ok', target: `${id}/inspect`, detail: expect.stringContaining('not reachable') });

    // Decided once: a form submitted after the decision is answered and changes nothing...
    await h.slack.submitView({
      user: 'U0DAVE',
      viewId: late.id,
      values: { reason: { reason: 'a second opinion that arrives too late to matter' } },
    });
    const answer = await h.slack.waitFor(() =>
      h.slack.messages(h.slack.dmChannel('U0DAVE').id).find((m) => m.text.includes('already overridden')),
    );
    expect(answer.text).toContain(`Inspection \`inspect\` of run \`${id}\` was already overridden by <@U0CAROL>`);
    expect(
      (await h.app.ctx.audit.query({ action: 'inspect.override', actor: 'U0DAVE', limit: 5 })).filter((e) => e.outcome === 'ok'),
    ).toEqual([]);
    expect((await pipelines().getRun(id))!.stages.find((s) => s.id === 'inspect')?.details).toMatchObject({ override: { by: 'U0CAROL' } });

    // ...and the blocking message lost its buttons, so nobody can press them again.
    const decided = await h.slack.waitFor(() => {
      const m = h.slack.message('C0DEPLOYS', gate.ts);
      return m && !m.blocks?.some((b) => b.type === 'actions') ? m : undefined;
    });
    expect(decided.text).toContain('overridden by <@U0CAROL>');
    expect(runMessage(h, 'C0DEPLOYS', id)?.text).toContain('succeeded');
  });

  it('fails the run when its starter presses Fail run', async () => {
    const id = runIdOf((await h.command('U0BOB', 'C0DEPLOYS', '/pipeline run shop-deploy --env production --ref feature/x')).text);
    const gate = await h.slack.waitFor(() => gateMessage(id));
    await h.slack.pressButton({ user: 'U0BOB', channel: 'C0DEPLOYS', ts: gate.ts, actionId: 'inspect.fail-run' });
    await waitRun(h, 'C0DEPLOYS', id, /: failed/);
    const run = (await pipelines().getRun(id))!;
    expect(run.stages.find((s) => s.id === 'inspect')).toMatchObject({ status: 'failed', details: { failedBy: 'U0BOB' } });
    expect(run.stages.find((s) => s.id === 'deploy')?.status).not.toBe('succeeded');
    const entries = await h.app.ctx.audit.query({ action: 'inspect.fail-run', limit: 5 });
    expect(entries[0]).toMatchObject({ actor: 'U0BOB', outcome: 'ok', target: `${id}/inspect` });
  });

  it('finds a leaked AWS key in a stage log and names the line, never the key', async () => {
    const id = runIdOf((await h.command('U0BOB', 'C0DEPLOYS', '/pipeline run leaky-deploy --env staging')).text);
    const note = await h.slack.waitFor(() => threadOf(h, 'C0DEPLOYS', id).find((m) => m.text.includes('Inspection `inspect`: fail')));
    expect(note.text).toContain('`aws-access-key-id`');
    expect(note.text).toMatch(/AWS access key id in stage build log line \d+/);
    const key = 'AKIA' + 'QX7RT2MZ4KLP9WNB';
    expect(note.text).not.toContain(key);
    const stage = (await pipelines().getRun(id))!.stages.find((s) => s.id === 'inspect')!;
    expect(JSON.stringify(stage)).not.toContain(key);
    await h.command('U0ALICE', 'C0DEPLOYS', `/pipeline cancel ${id}`);
  });

  it('opens no gate and notes no verdict when the stage is aborted while its last scanner runs', async () => {
    // The stage kind as the executor calls it, with a real scanner process killed by the abort
    // (a cancel, a shutdown or a lost lease): the killed scan must not read as a failed inspection.
    const gates = new GateStore(h.app.ctx.store);
    const kind = inspectStageKind(
      h.app.ctx,
      {
        config: loadInspectConfig('.', fx.configFile),
        commands: new ProcessCommandRunner({ reportsDir: fx.dir, log: silentLogger, env: { PATH: process.env.PATH } }),
        logs: { logs: () => Promise.resolve([]) },
        now: () => Date.now(),
      },
      gates,
      inspectPresenter,
    );
    const ctrl = new AbortController();
    const lines: string[] = [];
    const run = {
      id: 'r9001',
      pipeline: 'shop-deploy',
      service: 'checkout',
      teamChannel: 'C0CHECKOUT',
      env: 'production',
      ref: 'v1.7.0',
      params: {},
      triggeredBy: 'U0BOB',
      channel: 'C0DEPLOYS',
      status: 'running' as const,
      createdAt: Date.now(),
      messageKey: 'run-r9001',
      stages: [
        { id: 'build', kind: 'shell', status: 'succeeded' as const },
        { id: 'test', kind: 'shell', status: 'succeeded' as const },
        { id: 'inspect', kind: 'inspect', status: 'running' as const },
      ],
    };
    const outcome = kind.run({
      run,
      stage: { id: 'inspect', kind: 'inspect', attempt: 1 },
      settings: { inspectors: ['policy', 'slow'] },
      secrets: new Set(),
      signal: ctrl.signal,
      log: (line) => Promise.resolve(void lines.push(line)),
      setLink: () => Promise.resolve(),
    });
    await h.slack.waitFor(() => existsSync(join(fx.dir, 'slow-started')), { message: 'the slow scanner never started' });
    ctrl.abort();
    expect(await outcome).toEqual({ status: 'failed', summary: 'cancelled' });
    expect(await gates.get('r9001', 'inspect')).toBeNull();
    expect(await h.app.ctx.store.exists(h.app.ctx.store.key('inspect', 'noted', 'r9001', 'inspect'))).toBe(false);
    expect(lines).toEqual([expect.stringMatching(/^policy: pass/), expect.stringMatching(/^slow: fail/)]);
  });
});
