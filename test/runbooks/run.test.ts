import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { companionsModule, SECRET, testPipelines } from '../pipelines/support.js';
import { servicesOf } from '../../src/domain/services.js';
import { startHarness, type Harness } from '../support/harness.js';
import {
  buttonsOf,
  DRILL_HASH,
  press,
  pressAndHear,
  runIdIn,
  runOf,
  stepIs,
  submitForm,
  testRunbooks,
  until,
  waitForButton,
} from './support.js';

// A runbook run through the local workspace's wire: a manual step with a value, an automated step
// (with an injected secret, masked), a condition, a confirmed step, a pipeline step it waits for,
// a refused user, and a restart in the middle of a run.
describe('running a runbook', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ name: 'runbooks-run', modules: [testPipelines(), companionsModule, testRunbooks()] });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('lists and shows runbooks, with who may run them and the file version', async () => {
    const list = await h.command('U0GRACE', 'C0NOC', '/runbook list --service echo');
    expect(list.text).toContain('ops-drill');
    expect(list.text).toContain('`noc`');
    expect((await h.command('U0GRACE', 'C0NOC', '/runbook list --service nothing')).text).toContain('No runbook is for service');
    const show = await h.command('U0GRACE', 'C0NOC', '/runbook show ops-drill');
    expect(show.text).toContain(`sha256 \`${DRILL_HASH.slice(0, 12)}\``);
    expect(show.text).toContain('rollback');
  });

  it('runs manual, automated, conditional, confirmed and pipeline steps to the end, on one message', async () => {
    const res = await h.command('U0ERIN', 'C0NOC', '/runbook run ops-drill');
    expect(res.text).toContain('Started runbook *ops-drill*');
    const id = runIdIn(res.text);
    let run = await until(h, id, stepIs('look', 'ready'), 'look ready');
    expect(run).toMatchObject({ hash: DRILL_HASH, env: 'staging', startedBy: 'U0ERIN', status: 'running' });
    const { m: first } = await waitForButton(h, 'C0NOC', id, 'runbook.done');
    expect(JSON.stringify(first.blocks)).toContain('<https://grafana.example.com/d/echo|the echo dashboard>');
    expect(buttonsOf(first).map((b) => b.action_id)).toEqual(['runbook.done', 'runbook.skip']);

    // The value must be a number: the form stays open with the message under the input.
    const bad = await submitForm(h, 'U0ERIN', 'C0NOC', id, 'runbook.done', { value: 'lots', note: '' });
    expect(bad.json).toMatchObject({ response_action: 'errors', errors: { value: 'A number, e.g. 4.2.' } });
    const view = h.slack.views().find((v) => v.open && v.user === 'U0ERIN')!;
    await h.slack.submitView({
      user: 'U0ERIN',
      viewId: view.id,
      values: { value: { value: '7' }, note: { note: 'spiky since <!channel> 10:00' } },
    });

    // probe runs on its own and fails (exit 3): the run goes on (continue_on_failure) and the
    // condition "probe failed" readies restart, which waits for Run behind a confirmation.
    run = await until(h, id, stepIs('restart', 'ready'), 'restart ready');
    const probe = run.steps.find((s) => s.id === 'probe')!;
    expect(probe).toMatchObject({ status: 'failed', summary: 'exit code 3', by: 'U0ERIN' });
    expect(probe.log?.join('\n')).toContain('probing staging rate=7 token=');
    expect(JSON.stringify(run)).not.toContain(SECRET);
    const { m: restartMsg, el: runButton } = await waitForButton(h, 'C0NOC', id, 'runbook.run');
    expect(JSON.stringify(restartMsg.blocks)).not.toContain(SECRET);
    expect(JSON.stringify(restartMsg.blocks)).toContain('spiky since &lt;!channel&gt; 10:00');
    expect(runButton.confirm).toMatchObject({ title: { text: 'Run this step?' } });

    await press(h, 'U0ERIN', 'C0NOC', id, 'runbook.run');
    // restart succeeds; calm is skipped (7 is not below 1); rollback (7 above 5) waits for Run.
    run = await until(h, id, stepIs('rollback', 'ready'), 'rollback ready');
    expect(run.steps.find((s) => s.id === 'restart')).toMatchObject({ status: 'succeeded', summary: 'exit 0' });
    expect(run.steps.find((s) => s.id === 'calm')).toMatchObject({ status: 'skipped', reason: 'condition not met: look value < 1' });

    await press(h, 'U0ERIN', 'C0NOC', id, 'runbook.run');
    run = await until(h, id, stepIs('verify', 'ready'), 'verify ready after the pipeline');
    const rollback = run.steps.find((s) => s.id === 'rollback')!;
    expect(rollback.status).toBe('succeeded');
    expect(rollback.summary).toMatch(/^pipeline run r\d+ succeeded$/);
    const pipelineRun = await servicesOf(h.app.ctx).get('pipelines').getRun(rollback.pipelineRunId!);
    expect(pipelineRun).toMatchObject({ pipeline: 'echo-params', env: 'staging', triggeredBy: 'U0ERIN', params: { note: 'rollback' } });

    await submitForm(h, 'U0ERIN', 'C0NOC', id, 'runbook.done', { note: 'all green' });
    run = await until(h, id, (r) => r.status === 'completed', 'completed');
    expect(run.steps.map((s) => s.status)).toEqual(['done', 'failed', 'succeeded', 'skipped', 'succeeded', 'done']);
    const final = await h.slack.waitFor(() => h.slack.messages('C0NOC').find((m) => m.text === `Runbook ops-drill (${id}): completed`));
    expect(buttonsOf(final)).toEqual([]);

    // The evidence: the start with the file's hash, the automated outcomes, and every press.
    const audit = await h.app.ctx.audit.query({});
    const mine = audit.filter((e) => e.target?.startsWith(id) || e.detail?.includes(id));
    expect(mine.find((e) => e.action === 'runbook.run.started')?.detail).toContain(DRILL_HASH.slice(0, 12));
    expect(mine.find((e) => e.action === 'runbook.step.finished' && e.target === `${id}/probe`)).toMatchObject({ outcome: 'error' });
    expect(audit.filter((e) => e.action === 'modal runbook.done' && e.actor === 'U0ERIN').length).toBeGreaterThanOrEqual(2);
    expect(JSON.stringify(audit)).not.toContain(SECRET);
  });

  it('skips a step with its reason, audited', async () => {
    const id = runIdIn((await h.command('U0ERIN', 'C0NOC', '/runbook run ops-drill')).text);
    await until(h, id, stepIs('look', 'ready'), 'look ready');
    const empty = await submitForm(h, 'U0ERIN', 'C0NOC', id, 'runbook.skip', { reason: ' ' });
    expect(empty.json).toMatchObject({ response_action: 'errors' });
    const view = h.slack.views().find((v) => v.open && v.user === 'U0ERIN')!;
    await h.slack.submitView({ user: 'U0ERIN', viewId: view.id, values: { reason: { reason: 'dashboard is down' } } });
    const run = await until(h, id, stepIs('look', 'skipped'), 'look skipped');
    expect(run.steps[0]).toMatchObject({ reason: 'dashboard is down', by: 'U0ERIN' });
    const entries = await h.app.ctx.audit.query({ action: 'runbook.step.skipped' });
    expect(entries.find((e) => e.target === `${id}/look`)).toMatchObject({
      actor: 'U0ERIN',
      detail: 'ops-drill: skipped: dashboard is down',
    });
  });

  it('refuses a user the runbook does not allow, on the command and on its buttons', async () => {
    const refused = await h.command('U0GRACE', 'C0NOC', '/runbook run ops-drill');
    expect(refused.text).toContain('You may not run ops-drill');
    expect(refused.text).toContain('`noc`');
    const id = runIdIn((await h.command('U0ERIN', 'C0NOC', '/runbook run ops-drill')).text);
    await until(h, id, stepIs('look', 'ready'), 'look ready');
    const answer = await pressAndHear(h, 'U0GRACE', 'C0NOC', id, 'runbook.skip', 'You may not');
    expect(answer.text).toContain(`act on runbook run ${id}`);
    expect(h.slack.views().filter((v) => v.open && v.user === 'U0GRACE')).toEqual([]);
    expect((await runOf(h, id))!.steps[0]!.status).toBe('ready');
    const audit = await h.app.ctx.audit.query({ actor: 'U0GRACE' });
    expect(audit.filter((e) => e.outcome === 'refused').length).toBeGreaterThanOrEqual(2);
  });

  it('survives a restart in the middle of a run: the buttons on the message still work', async () => {
    const id = runIdIn((await h.command('U0ERIN', 'C0NOC', '/runbook run ops-drill')).text);
    await until(h, id, stepIs('look', 'ready'), 'look ready');
    await submitForm(h, 'U0ERIN', 'C0NOC', id, 'runbook.done', { value: '0.5', note: '' });
    await until(h, id, stepIs('restart', 'ready'), 'restart ready');
    await h.restart();
    await press(h, 'U0ERIN', 'C0NOC', id, 'runbook.run');
    // 0.5 is below 1: calm is asked for, rollback will be skipped.
    await until(h, id, stepIs('calm', 'ready'), 'calm ready after the restart');
    await submitForm(h, 'U0ERIN', 'C0NOC', id, 'runbook.done', { note: '' });
    const run = await until(h, id, stepIs('verify', 'ready'), 'verify ready');
    expect(run.steps.find((s) => s.id === 'rollback')).toMatchObject({ status: 'skipped', reason: 'condition not met: look value > 5' });
    expect(run.steps.find((s) => s.id === 'restart')).toMatchObject({ status: 'succeeded' });
  });

  it('lists runs waiting on a user in their App Home, not in the Home of someone the runbook does not allow', async () => {
    const id = runIdIn((await h.command('U0ERIN', 'C0NOC', '/runbook run ops-drill')).text);
    await until(h, id, stepIs('look', 'ready'), 'look ready');
    await h.slack.appHomeOpened('U0ERIN');
    const home = await h.slack.waitFor(() => {
      const v = h.slack.homeView('U0ERIN');
      return v && JSON.stringify(v.blocks).includes(`*${id}* Ops drill — next: *Look at the dashboard*`) ? v : undefined;
    });
    expect(JSON.stringify(home.blocks)).toContain('Runbook runs waiting on you');
    await h.slack.appHomeOpened('U0GRACE');
    const grace = await h.slack.waitFor(() => h.slack.homeView('U0GRACE'));
    expect(JSON.stringify(grace.blocks)).not.toContain(id);
  });

  it('keeps a pipeline step waiting for another press when the pipeline refuses the presser', async () => {
    const id = runIdIn((await h.command('U0FRANK', 'C0NOC', '/runbook run slow-rollback')).text);
    await until(h, id, stepIs('rollback', 'ready'), 'rollback ready');
    const refusal = await pressAndHear(h, 'U0FRANK', 'C0NOC', id, 'runbook.run', 'deployer');
    expect(refusal.text).not.toContain('Started step');
    expect((await runOf(h, id))!.steps[0]).toMatchObject({ status: 'ready' });
    await press(h, 'U0ALICE', 'C0NOC', id, 'runbook.run');
    const run = await until(h, id, (r) => r.status === 'completed', 'completed after the admin pressed Run');
    expect(run.steps[0]).toMatchObject({ status: 'succeeded', by: 'U0ALICE' });
    expect(run.steps[0]!.summary).toMatch(/^pipeline run r\d+ succeeded$/);
  });

  it('settles a pipeline step whose run ends after a restart of the bot', async () => {
    const id = runIdIn((await h.command('U0FRANK', 'C0NOC', '/runbook run slow-rollback')).text);
    await until(h, id, stepIs('rollback', 'ready'), 'rollback ready');
    await press(h, 'U0ALICE', 'C0NOC', id, 'runbook.run');
    const waiting = await until(h, id, (r) => !!r.steps[0]!.pipelineRunId, 'pipeline started');
    await h.restart();
    const run = await until(h, id, (r) => r.status !== 'running', 'finished after the restart');
    const pipelineRun = await servicesOf(h.app.ctx).get('pipelines').getRun(waiting.steps[0]!.pipelineRunId!);
    expect(['succeeded', 'failed', 'cancelled']).toContain(pipelineRun!.status);
    expect(run.steps[0]!.summary).toBe(`pipeline run ${pipelineRun!.id} ${pipelineRun!.status}`);
    expect(run.status).toBe(pipelineRun!.status === 'succeeded' ? 'completed' : 'failed');
  });
});
