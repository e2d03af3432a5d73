import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import {
  type Capability,
  CancelUpdateStackCommand,
  CloudFormationClient,
  CloudFormationServiceException,
  CreateChangeSetCommand,
  DescribeChangeSetCommand,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
  ExecuteChangeSetCommand,
} from '@aws-sdk/client-cloudformation';
import { UpstreamError } from '../../core/errors.js';
import type { ChangeSetChange, ChangeSetState, CloudFormationApi, StackEvent } from '../../domain/pipelines/kinds/cloudformation-api.js';

export interface CloudFormationOptions {
  region: string;
  /** Another endpoint (tests: a loopback fake speaking the Query protocol). */
  endpoint?: string;
  /** Explicit credentials (tests); production uses the SDK's default chain (env, profile, instance role). */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** `template_file` paths are relative to this. */
  templateRoot?: string;
}

/** The SDK's error as ours: AWS's code and message (never the request, which may carry parameters). */
function upstream(err: unknown): UpstreamError {
  if (err instanceof CloudFormationServiceException) {
    const status = err.$metadata.httpStatusCode ?? 0;
    const retryable = status >= 500 || /Throttl/i.test(err.name);
    return new UpstreamError('cloudformation', `${err.name}: ${err.message}`, { retryable, cause: err });
  }
  return new UpstreamError('cloudformation', (err as Error).message, { cause: err });
}

/**
 * CloudFormation through @aws-sdk/client-cloudformation (the awsQuery protocol: form-encoded
 * requests, XML answers). The SDK retries throttling and 5xx itself (3 attempts).
 */
export class AwsCloudFormation implements CloudFormationApi {
  private readonly client: CloudFormationClient;

  constructor(private readonly o: CloudFormationOptions) {
    this.client = new CloudFormationClient({
      region: o.region,
      maxAttempts: 3,
      ...(o.endpoint ? { endpoint: o.endpoint } : {}),
      ...(o.credentials ? { credentials: o.credentials } : {}),
    });
  }

  private async send<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw upstream(err);
    }
  }

  async createChangeSet(o: Parameters<CloudFormationApi['createChangeSet']>[0], signal: AbortSignal): Promise<{ id: string }> {
    const body = o.templateFile ? await readFile(resolve(this.o.templateRoot ?? '.', o.templateFile), 'utf8') : undefined;
    const out = await this.send(() =>
      this.client.send(
        new CreateChangeSetCommand({
          StackName: o.stack,
          ChangeSetName: o.name,
          ChangeSetType: o.type,
          ...(o.templateUrl ? { TemplateURL: o.templateUrl } : {}),
          ...(body !== undefined ? { TemplateBody: body } : {}),
          Parameters: Object.entries(o.parameters).map(([ParameterKey, ParameterValue]) => ({ ParameterKey, ParameterValue })),
          ...(o.capabilities.length ? { Capabilities: o.capabilities as Capability[] } : {}),
          ClientToken: o.token,
        }),
        { abortSignal: signal },
      ),
    );
    if (!out.Id) throw new UpstreamError('cloudformation', 'CreateChangeSet answered without an Id', { retryable: false });
    return { id: out.Id };
  }

  async describeChangeSet(stack: string, changeSetId: string, signal: AbortSignal): Promise<ChangeSetState> {
    const changes: ChangeSetChange[] = [];
    let next: string | undefined;
    let state: Omit<ChangeSetState, 'changes'> = { status: 'UNKNOWN' };
    do {
      const token = next;
      const out = await this.send(() =>
        this.client.send(
          new DescribeChangeSetCommand({ StackName: stack, ChangeSetName: changeSetId, ...(token ? { NextToken: token } : {}) }),
          { abortSignal: signal },
        ),
      );
      state = {
        status: out.Status ?? 'UNKNOWN',
        ...(out.StatusReason ? { statusReason: out.StatusReason } : {}),
        ...(out.ExecutionStatus ? { executionStatus: out.ExecutionStatus } : {}),
      };
      for (const c of out.Changes ?? []) {
        const rc = c.ResourceChange;
        if (!rc?.LogicalResourceId) continue;
        changes.push({
          action: rc.Action ?? 'Modify',
          logicalId: rc.LogicalResourceId,
          ...(rc.ResourceType ? { resourceType: rc.ResourceType } : {}),
          ...(rc.Replacement ? { replacement: rc.Replacement } : {}),
        });
      }
      next = out.NextToken;
    } while (next);
    return { ...state, changes };
  }

  async executeChangeSet(stack: string, changeSetId: string, token: string): Promise<void> {
    await this.send(() =>
      this.client.send(new ExecuteChangeSetCommand({ StackName: stack, ChangeSetName: changeSetId, ClientRequestToken: token })),
    );
  }

  async stackStatus(stack: string, signal: AbortSignal): Promise<{ status: string; reason?: string } | null> {
    try {
      const out = await this.client.send(new DescribeStacksCommand({ StackName: stack }), { abortSignal: signal });
      const s = out.Stacks?.[0];
      if (!s?.StackStatus) return null;
      return { status: s.StackStatus, ...(s.StackStatusReason ? { reason: s.StackStatusReason } : {}) };
    } catch (err) {
      // AWS answers a missing stack with a ValidationError saying it "does not exist".
      if (err instanceof CloudFormationServiceException && /does not exist/.test(err.message)) return null;
      throw upstream(err);
    }
  }

  async stackEvents(stack: string, signal: AbortSignal): Promise<StackEvent[]> {
    const out = await this.send(() => this.client.send(new DescribeStackEventsCommand({ StackName: stack }), { abortSignal: signal }));
    return (out.StackEvents ?? []).map((e) => ({
      id: e.EventId ?? '',
      at: e.Timestamp?.getTime() ?? 0,
      logicalId: e.LogicalResourceId ?? '',
      status: e.ResourceStatus ?? '',
      ...(e.ResourceStatusReason ? { reason: e.ResourceStatusReason } : {}),
    }));
  }

  async cancelUpdate(stack: string): Promise<void> {
    await this.send(() => this.client.send(new CancelUpdateStackCommand({ StackName: stack })));
  }
}
