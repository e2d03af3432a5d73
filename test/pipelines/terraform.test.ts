import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approvalsModuleWith } from '../../src/app/modules/approvals.js';
import { ACTION_APPROVE } from '../../commands/approvals/actions.js';
import { startHarness, type Harness } from '../support/harness.js';
import { copies, press, runOf, startRun, waitCopies, waitRunStatus, waitStage } from '../approvals/support.js';
import { companionsModule, SECRET, testPipelines } from './support.js';

// The terraform kind against a stand-in `terraform` (test/fakes/terraform-bin, first on PATH) that
// writes plan files and prints `terraform show -json` documents in HashiCorp's format.
const FAKE_BIN = resolve('test/fakes/terraform-bin');
const root = mkdtempSync(join(tmpdir(), 'sy-tf-'));
const planDir = join(root, '.plans');
const holds: string[] = [];

type Scenario = {
  changes?: Array<{ address: string; actions: string[] }>;
  fail?: string;
  hold?: string;
  holdAt?: string;
  echoVar?: string;
};
function workdir(name: string, scenario: Scenario): string {
  const dir = join(root, name);
  mkdirSync(join(dir, 'env'), { recursive: true });
  writeFileSync(join(dir, 'main.tf'), 'resource "aws_s3_bucket" "logs" { bucket = "acme-logs" }\n');
  writeFileSync(join(dir, 'env', 'production.tfvars'), 'size = "large"\n');
  writeFileSync(join(dir, '.fake-terraform.json'), JSON.stringify(scenario));
  return dir;
}
const calls = (dir: string) =>
  readFileSync(join(dir, '.fake-terraform.log'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { argv: string[]; tfVars: string[] });
const applied = (dir: string) =>
  existsSync(join(dir, '.fake-terraform.applied')) ? readFileSync(join(dir, '.fake-terraform.applied'), 'utf8') : '';

const CHANGES = [
  { address: 'aws_s3_bucket.logs', actions: ['create'] },
  { address: 'aws_security_group.web', actions: ['update'] },
  { address: 'aws_db_instance.main', actions: ['delete', 'create'] },
  { address: 'aws_instance.legacy', actions: ['delete'] },
  { address: 'data.aws_ami.base', actions: ['read'] },
];

describe('terraform stage kind', () => {
  let h: Harness;
  const network = workdir('network', { changes: CHANGES, echoVar: 'db_password' });
  beforeAll(async () => {
    h = await startHarness({
      name: 'pipelines-terraform',
      modules: [
        testPipelines({ workflowsDir: 'test/pipelines/iac-workflows' }),
        approvalsModuleWith({ policyFile: 'test/pipelines/iac-approvals.yml' }),
        companionsModule,
      ],
      env: { PATH: `${FAKE_BIN}:${process.env.PATH}`, TERRAFORM_ROOT: root, TERRAFORM_PLAN_DIR: planDir },
    });
  });
  afterAll(async () => {
    for (const f of holds) writeFileSync(f, 'go');
    await h?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('plans, shows the plan at the gate (destroys first), locks the directory, applies exactly the saved plan', async () => {
    const id = await startRun(h, 'U0BOB', '/pipeline run tf-network --env production');
    const c = await waitCopies(h, id, [], /^Approval needed/);
    const gate = JSON.stringify(c.thread!.blocks);
    expect(gate).toContain('1 to add, 1 to change, *1 to destroy, 1 to replace*');
    expect(gate).toContain(':red_circle: *destroy* `aws_instance.legacy`');
    expect(gate).toContain(':large_orange_circle: *replace* `aws_db_instance.main`');
    expect(gate.indexOf('aws_instance.legacy')).toBeLessThan(gate.indexOf('aws_s3_bucket.logs'));
    expect(gate).not.toContain('data.aws_ami.base');
    const plan = (await runOf(h, id))!.stages.find((s) => s.id === 'plan')!;
    expect(plan.summary).toBe('plan: 1 to add, 1 to change, 1 to destroy, 1 to replace');
    expect(plan.details?.planSummary).toMatchObject({ tool: 'terraform', counts: { create: 1, update: 1, delete: 1, replace: 1 } });

    // Values reach terraform only as TF_VAR_*: never in argv; the var file of production is passed.
    const recorded = calls(network);
    expect(recorded.map((r) => r.argv[0])).toEqual(['init', 'plan', 'show']);
    expect(recorded.every((r) => !r.argv.join(' ').includes(SECRET) && !r.argv.join(' ').includes('eu-west-1'))).toBe(true);
    expect(recorded[1]!.tfVars).toEqual(['TF_VAR_db_password', 'TF_VAR_region', 'TF_VAR_size']);
    expect(recorded[1]!.argv).toContain('-var-file=env/production.tfvars');
    // The fake prints the secret variable; the stage log masks it.
    const logs = (await h.command('U0BOB', 'C0DEPLOYS', `/pipeline logs ${id} plan`)).text;
    expect(logs).toContain('var.db_password = "••••"');
    expect(logs).not.toContain(SECRET);

    // Another pipeline's run of the same directory and environment is refused while the plan waits.
    const other = await startRun(h, 'U0BOB', '/pipeline run tf-network-audit --env production');
    const refused = await waitRunStatus(h, other, 'failed');
    expect(refused.stages.find((s) => s.id === 'plan')?.summary).toContain(`network (production) is locked by run ${id}`);

    const planFile = (plan.details!.terraform as { planFile: string }).planFile;
    const planId = (JSON.parse(readFileSync(planFile, 'utf8')) as { id: string }).id;
    expect(await press(h, 'U0CAROL', c.thread!, ACTION_APPROVE)).toContain('pprove');
    const done = await waitRunStatus(h, id, 'succeeded');
    expect(done.stages.find((s) => s.id === 'apply')?.summary).toBe('applied the saved plan');
    expect(applied(network).trim().split('\n').at(-1)).toBe(planId);
    expect(calls(network).at(-1)!.argv).toEqual(['apply', '-input=false', '-no-color', planFile]);

    // Applied: the lock is free, so the next run plans.
    const next = await startRun(h, 'U0BOB', '/pipeline run tf-network --env production');
    await waitStage(h, next, 'approve', 'waiting');
    await h.command('U0BOB', 'C0DEPLOYS', `/pipeline cancel ${next}`);
    await waitRunStatus(h, next, 'cancelled');
  });

  it('refuses to apply a plan older than its inputs', async () => {
    const id = await startRun(h, 'U0BOB', '/pipeline run tf-network --env production');
    const c = await waitCopies(h, id, [], /^Approval needed/);
    const before = applied(network);
    writeFileSync(join(network, 'main.tf'), 'resource "aws_s3_bucket" "logs" { bucket = "acme-logs-2" }\n');
    await press(h, 'U0CAROL', c.thread!, ACTION_APPROVE);
    const run = await waitRunStatus(h, id, 'failed');
    expect(run.stages.find((s) => s.id === 'apply')?.summary).toContain('stale plan');
    expect(applied(network)).toBe(before);
    expect(calls(network).at(-1)!.argv[0]).toBe('show'); // no apply was run
  });

  it('fails the stage when terraform fails, and frees the lock', async () => {
    workdir('broken', { fail: 'plan' });
    const id = await startRun(h, 'U0BOB', '/pipeline run tf-broken --env staging');
    const run = await waitRunStatus(h, id, 'failed');
    expect(run.stages[0]!.summary).toBe('terraform plan exit code 1');
    const logs = (await h.command('U0BOB', 'C0DEPLOYS', `/pipeline logs ${id} plan`)).text;
    expect(logs).toContain('Unsupported argument');
    expect(await h.app.ctx.store.exists(h.app.ctx.store.key('pipelines', 'tf-locks-of', id))).toBe(false);
  });

  it('cancels a running terraform (its process is killed) and frees the lock', async () => {
    const hold = join(root, 'held-release');
    holds.push(hold);
    const dir = workdir('held', { changes: CHANGES, hold, holdAt: 'plan' });
    const id = await startRun(h, 'U0BOB', '/pipeline run tf-held --env staging');
    await h.slack.waitFor(
      () => (existsSync(join(dir, '.fake-terraform.log')) && calls(dir).some((c) => c.argv[0] === 'plan') ? true : undefined),
      {
        timeoutMs: 10_000,
      },
    );
    await h.command('U0BOB', 'C0DEPLOYS', `/pipeline cancel ${id}`);
    const run = await waitRunStatus(h, id, 'cancelled');
    expect(run.stages[0]!.status).toBe('cancelled');
    // The lock went with the run: the next plan of the directory runs to the end.
    writeFileSync(hold, 'go');
    const again = await startRun(h, 'U0BOB', '/pipeline run tf-held --env staging');
    expect((await waitRunStatus(h, again, 'succeeded')).stages[0]!.summary).toContain('plan: 1 to add');
    // The cancelled plan was killed while it held: released, it would have written its plan file by now.
    expect(existsSync(join(planDir, `${again}-plan.tfplan`))).toBe(true);
    expect(existsSync(join(planDir, `${id}-plan.tfplan`))).toBe(false);
  });

  it('times a stuck terraform out', async () => {
    const hold = join(root, 'slow-never');
    holds.push(hold);
    workdir('slow', { hold, holdAt: 'plan' });
    const id = await startRun(h, 'U0BOB', '/pipeline run tf-slow --env staging');
    const run = await waitRunStatus(h, id, 'failed');
    expect(run.stages[0]!.summary).toMatch(/timed out/);
    expect(copies(h, id, []).thread).toBeUndefined();
  });
});
