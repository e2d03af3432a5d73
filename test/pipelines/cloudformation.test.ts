import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approvalsModuleWith } from '../../src/app/modules/approvals.js';
import { ACTION_APPROVE } from '../../commands/approvals/actions.js';
import { startHarness, type Harness } from '../support/harness.js';
import { press, runOf, startRun, waitCopies, waitRunStatus, waitStage } from '../approvals/support.js';
import { CloudFormationFake, type StackScript } from '../fakes/cloudformation.js';
import { companionsModule, SECRET, testPipelines } from './support.js';

// The cloudformation kind through @aws-sdk/client-cloudformation, pointed at a loopback fake that
// answers the awsQuery protocol (form requests, XML answers and errors).
const CHANGES: StackScript['changes'] = [
  { action: 'Add', logicalId: 'LogsBucket', type: 'AWS::S3::Bucket' },
  { action: 'Modify', logicalId: 'WebService', type: 'AWS::ECS::Service', replacement: 'False' },
  { action: 'Modify', logicalId: 'Database', type: 'AWS::RDS::DBInstance', replacement: 'True' },
  { action: 'Remove', logicalId: 'LegacyQueue', type: 'AWS::SQS::Queue' },
];

describe('cloudformation stage kind', () => {
  let h: Harness;
  const cfn = new CloudFormationFake();
  beforeAll(async () => {
    await cfn.listen();
    cfn.script('web', { changes: CHANGES, outcome: 'complete' });
    cfn.script('rollback', { changes: CHANGES.slice(0, 1), outcome: 'rollback' });
    cfn.script('held', { changes: CHANGES.slice(1, 2), outcome: 'hold' });
    cfn.script('slow', { changes: CHANGES.slice(1, 2), outcome: 'hold' });
    cfn.script('quiet', { changes: [], outcome: 'complete' });
    cfn.script('invalid', { changes: [], outcome: 'complete', invalid: 'Template format error: Unresolved resource dependencies [Vpc]' });
    h = await startHarness({
      name: 'pipelines-cloudformation',
      modules: [
        testPipelines({
          workflowsDir: 'test/pipelines/iac-workflows',
          cloudformation: {
            region: 'eu-west-1',
            endpoint: cfn.url,
            credentials: { accessKeyId: 'AKIDSWITCHYARDTEST', secretAccessKey: 'fake-secret-access-key' },
          },
        }),
        approvalsModuleWith({ policyFile: 'test/pipelines/iac-approvals.yml' }),
        companionsModule,
      ],
    });
  });
  afterAll(async () => {
    await h?.close();
    await cfn.close();
  });

  it('creates a change set, shows its changes at the gate, executes that change set after approval and follows the stack', async () => {
    const id = await startRun(h, 'U0BOB', '/pipeline run cfn-web --env production');
    const c = await waitCopies(h, id, [], /^Approval needed/);
    const gate = JSON.stringify(c.thread!.blocks);
    expect(gate).toContain('(cloudformation, stack web): 1 to add, 1 to change, *1 to destroy, 1 to replace*');
    expect(gate).toContain(':red_circle: *destroy* `LegacyQueue (AWS::SQS::Queue)`');
    expect(gate).toContain(':large_orange_circle: *replace* `Database (AWS::RDS::DBInstance)`');
    // Nothing runs on the stack before the approval.
    expect(cfn.calls('ExecuteChangeSet')).toHaveLength(0);

    const create = cfn.calls('CreateChangeSet')[0]!;
    expect(create.params).toMatchObject({
      StackName: 'web',
      ChangeSetName: `switchyard-${id}-changes`,
      ChangeSetType: 'UPDATE',
      TemplateURL: 'https://s3.eu-west-1.amazonaws.com/acme-templates/web.yaml',
      'Capabilities.member.1': 'CAPABILITY_IAM',
    });
    const csId = [...cfn.changeSets.values()].find((x) => x.name === `switchyard-${id}-changes`)!;
    expect(csId.params).toEqual({ Env: 'production', DbPassword: SECRET }); // the secret goes to AWS only
    const stage = (await runOf(h, id))!.stages.find((s) => s.id === 'changes')!;
    expect(JSON.stringify(stage)).not.toContain(SECRET);

    await press(h, 'U0CAROL', c.thread!, ACTION_APPROVE);
    const done = await waitRunStatus(h, id, 'succeeded');
    expect(done.stages.find((s) => s.id === 'execute')?.summary).toBe('stack web UPDATE_COMPLETE');
    expect(cfn.calls('ExecuteChangeSet').map((r) => r.params.ChangeSetName)).toEqual([csId.id]);
    const logs = (await h.command('U0BOB', 'C0DEPLOYS', `/pipeline logs ${id} execute`)).text;
    expect(logs).toContain('LegacyQueue DELETE_COMPLETE');
    expect(logs).toContain('web UPDATE_COMPLETE');
  });

  it('refuses a change set that went stale before the approval', async () => {
    const id = await startRun(h, 'U0BOB', '/pipeline run cfn-web --env production');
    const c = await waitCopies(h, id, [], /^Approval needed/);
    cfn.obsolete('web');
    const executed = cfn.calls('ExecuteChangeSet').length;
    await press(h, 'U0CAROL', c.thread!, ACTION_APPROVE);
    const run = await waitRunStatus(h, id, 'failed');
    expect(run.stages.find((s) => s.id === 'execute')?.summary).toContain('the change set is OBSOLETE, not AVAILABLE');
    expect(cfn.calls('ExecuteChangeSet')).toHaveLength(executed);
  });

  it('fails on a rollback, with the failing resource in the log', async () => {
    const id = await startRun(h, 'U0BOB', '/pipeline run cfn-rollback --env staging');
    const run = await waitRunStatus(h, id, 'failed');
    expect(run.stages.find((s) => s.id === 'execute')?.summary).toBe('stack rollback UPDATE_ROLLBACK_COMPLETE');
    const logs = (await h.command('U0BOB', 'C0DEPLOYS', `/pipeline logs ${id} execute`)).text;
    expect(logs).toContain('LogsBucket UPDATE_FAILED: Resource handler returned message');
  });

  it('fails with AWS’s own error when the change set is refused', async () => {
    const id = await startRun(h, 'U0BOB', '/pipeline run cfn-invalid --env staging');
    const run = await waitRunStatus(h, id, 'failed');
    const logs = (await h.command('U0BOB', 'C0DEPLOYS', `/pipeline logs ${id} changes`)).text;
    expect(logs).toContain('ValidationError: Template format error: Unresolved resource dependencies [Vpc]');
    expect(run.stages.find((s) => s.id === 'execute')?.status).toBe('skipped');
    expect(cfn.calls('CreateChangeSet').filter((r) => r.params.StackName === 'invalid')).toHaveLength(1); // a refusal is not retried
  });

  it('passes a change set without changes and executes nothing', async () => {
    const id = await startRun(h, 'U0BOB', '/pipeline run cfn-quiet --env staging');
    const run = await waitRunStatus(h, id, 'succeeded');
    expect(run.stages.map((s) => s.summary)).toEqual(['change set: no changes', 'the change set had no changes: nothing to execute']);
    expect(cfn.calls('ExecuteChangeSet').filter((r) => r.params.StackName === 'quiet')).toHaveLength(0);
  });

  it('cancels an update in progress with CancelUpdateStack', async () => {
    const id = await startRun(h, 'U0BOB', '/pipeline run cfn-held --env staging');
    await waitStage(h, id, 'execute', 'running');
    await h.slack.waitFor(() => (cfn.stacks.get('held')!.status === 'UPDATE_IN_PROGRESS' ? true : undefined), { timeoutMs: 10_000 });
    await h.command('U0BOB', 'C0DEPLOYS', `/pipeline cancel ${id}`);
    await waitRunStatus(h, id, 'cancelled');
    expect(cfn.calls('CancelUpdateStack').map((r) => r.params.StackName)).toEqual(['held']);
    expect(cfn.stacks.get('held')!.status).toBe('UPDATE_ROLLBACK_COMPLETE');
  });

  it('times out an update that does not finish, and cancels it', async () => {
    const id = await startRun(h, 'U0BOB', '/pipeline run cfn-slow --env staging');
    const run = await waitRunStatus(h, id, 'failed');
    expect(run.stages.find((s) => s.id === 'execute')?.summary).toMatch(/timed out/);
    expect(cfn.calls('CancelUpdateStack').map((r) => r.params.StackName)).toContain('slow');
    expect(cfn.stacks.get('slow')!.status).toBe('UPDATE_ROLLBACK_COMPLETE');
  });
});
