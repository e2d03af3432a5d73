import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { LoopbackServer } from './http-fake.js';

/**
 * A loopback CloudFormation answering the awsQuery protocol as @aws-sdk/client-cloudformation
 * speaks it: a form-encoded POST (`Action=…&Version=2010-05-15&…`, lists as `X.member.N`), signed
 * with SigV4, answered with `<XResponse><XResult>…</XResult><ResponseMetadata>…` XML, errors as
 * `<ErrorResponse><Error><Type/><Code/><Message/></Error>` with HTTP 400. Each stack is scripted:
 * what its change sets contain and how an update ends (complete, rollback, or held until cancelled).
 */
const NS = 'http://cloudformation.amazonaws.com/doc/2010-05-15/';
const ACCOUNT = '123456789012';

export interface StackScript {
  changes: Array<{ action: 'Add' | 'Modify' | 'Remove'; logicalId: string; type: string; replacement?: 'True' | 'False' | 'Conditional' }>;
  outcome: 'complete' | 'rollback' | 'hold';
  /** CreateChangeSet fails with this ValidationError message (a bad template). */
  invalid?: string;
}

interface ChangeSet {
  id: string;
  name: string;
  stack: string;
  token?: string;
  polls: number;
  status: string;
  executionStatus: string;
  params: Record<string, string>;
}

interface Stack {
  name: string;
  id: string;
  status: string;
  reason?: string;
  polls: number;
  /** The change set being executed, marked EXECUTE_COMPLETE or EXECUTE_FAILED when the update ends. */
  executing?: ChangeSet;
  events: Array<{ id: string; at: Date; logicalId: string; type: string; status: string; reason?: string }>;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const tag = (name: string, v: string | undefined) => (v === undefined ? '' : `<${name}>${esc(v)}</${name}>`);

export class CloudFormationFake {
  readonly requests: Array<{ action: string; params: Record<string, string>; authorization: string; body: string }> = [];
  readonly scripts = new Map<string, StackScript>();
  readonly stacks = new Map<string, Stack>();
  readonly changeSets = new Map<string, ChangeSet>();
  private readonly server = new LoopbackServer((req, body, res) => this.handle(req.headers.authorization ?? '', body, res));

  get url(): string {
    return this.server.url;
  }

  async listen(): Promise<void> {
    await this.server.start();
  }

  close(): Promise<void> {
    return this.server.stop();
  }

  script(stack: string, s: StackScript): void {
    this.scripts.set(stack, s);
    this.stacks.set(stack, {
      name: stack,
      id: `arn:aws:cloudformation:eu-west-1:${ACCOUNT}:stack/${stack}/${randomUUID()}`,
      status: 'CREATE_COMPLETE',
      polls: 0,
      events: [],
    });
  }

  /** Another change set ran on the stack meanwhile: the ones created before it are obsolete. */
  obsolete(stack: string): void {
    for (const cs of this.changeSets.values())
      if (cs.stack === stack && cs.executionStatus === 'AVAILABLE') cs.executionStatus = 'OBSOLETE';
  }

  calls(action: string) {
    return this.requests.filter((r) => r.action === action);
  }

  private handle(authorization: string, body: Buffer, res: ServerResponse): void {
    const params = Object.fromEntries(new URLSearchParams(body.toString('utf8')));
    const action = params.Action ?? '';
    this.requests.push({ action, params, authorization, body: body.toString('utf8') });
    if (!/^AWS4-HMAC-SHA256 Credential=AKIDSWITCHYARDTEST\/\d{8}\/eu-west-1\/cloudformation\/aws4_request/.test(authorization))
      return this.error(res, 403, 'InvalidClientTokenId', 'The security token included in the request is invalid.');
    if (params.Version !== '2010-05-15') return this.error(res, 400, 'InvalidAction', `Version ${params.Version} is not supported`);
    const stack = params.StackName ? this.stacks.get(params.StackName) : undefined;
    if (!stack) return this.error(res, 400, 'ValidationError', `Stack with id ${params.StackName ?? ''} does not exist`);
    const script = this.scripts.get(stack.name)!;
    switch (action) {
      case 'CreateChangeSet': {
        if (script.invalid) return this.error(res, 400, 'ValidationError', script.invalid);
        const existing = [...this.changeSets.values()].find((c) => c.token && c.token === params.ClientToken);
        const cs = existing ?? this.newChangeSet(stack, params);
        return this.ok(res, action, tag('Id', cs.id) + tag('StackId', stack.id));
      }
      case 'DescribeChangeSet': {
        const cs = this.changeSets.get(params.ChangeSetName ?? '');
        if (!cs) return this.error(res, 404, 'ChangeSetNotFound', `ChangeSet [${params.ChangeSetName ?? ''}] does not exist`);
        this.advanceChangeSet(cs, script);
        const changes = cs.status === 'CREATE_COMPLETE' ? script.changes : [];
        const members = changes
          .map(
            (c) =>
              `<member><Type>Resource</Type><ResourceChange>${tag('Action', c.action)}${tag('LogicalResourceId', c.logicalId)}` +
              `${tag('ResourceType', c.type)}${tag('Replacement', c.replacement)}<Scope><member>Properties</member></Scope>` +
              `<Details/></ResourceChange></member>`,
          )
          .join('');
        const reason =
          cs.status === 'FAILED'
            ? "The submitted information didn't contain changes. Submit different information to create a change set."
            : undefined;
        return this.ok(
          res,
          action,
          tag('ChangeSetName', cs.name) +
            tag('ChangeSetId', cs.id) +
            tag('StackId', stack.id) +
            tag('StackName', stack.name) +
            tag('Status', cs.status) +
            tag('StatusReason', reason) +
            tag('ExecutionStatus', cs.executionStatus) +
            `<Changes>${members}</Changes>`,
        );
      }
      case 'ExecuteChangeSet': {
        const cs = this.changeSets.get(params.ChangeSetName ?? '');
        if (!cs) return this.error(res, 404, 'ChangeSetNotFound', `ChangeSet [${params.ChangeSetName ?? ''}] does not exist`);
        if (cs.executionStatus !== 'AVAILABLE')
          return this.error(
            res,
            400,
            'InvalidChangeSetStatus',
            `ChangeSet [${cs.id}] cannot be executed in its current status of [${cs.executionStatus}]`,
          );
        cs.executionStatus = 'EXECUTE_IN_PROGRESS';
        stack.executing = cs;
        this.obsolete(stack.name);
        this.setStatus(stack, 'UPDATE_IN_PROGRESS', 'User Initiated');
        return this.ok(res, action, '');
      }
      case 'DescribeStacks': {
        this.advanceStack(stack, script);
        const member =
          tag('StackId', stack.id) +
          tag('StackName', stack.name) +
          tag('CreationTime', '2026-11-30T10:00:00.000Z') +
          tag('StackStatus', stack.status) +
          tag('StackStatusReason', stack.reason);
        return this.ok(res, action, `<Stacks><member>${member}</member></Stacks>`);
      }
      case 'DescribeStackEvents': {
        const members = [...stack.events]
          .reverse()
          .map(
            (e) =>
              `<member>${tag('StackId', stack.id)}${tag('EventId', e.id)}${tag('StackName', stack.name)}` +
              `${tag('LogicalResourceId', e.logicalId)}` +
              `${tag('ResourceType', e.type)}${tag('Timestamp', e.at.toISOString())}${tag('ResourceStatus', e.status)}` +
              `${tag('ResourceStatusReason', e.reason)}</member>`,
          )
          .join('');
        return this.ok(res, action, `<StackEvents>${members}</StackEvents>`);
      }
      case 'CancelUpdateStack': {
        if (stack.status !== 'UPDATE_IN_PROGRESS')
          return this.error(res, 400, 'ValidationError', `CancelUpdateStack cannot be called from current stack status`);
        this.setStatus(stack, 'UPDATE_ROLLBACK_IN_PROGRESS', 'User Initiated');
        this.setStatus(stack, 'UPDATE_ROLLBACK_COMPLETE');
        return this.ok(res, action, '', false);
      }
      default:
        return this.error(res, 400, 'InvalidAction', `Could not find operation ${action}`);
    }
  }

  private newChangeSet(stack: Stack, params: Record<string, string>): ChangeSet {
    const name = params.ChangeSetName ?? 'unnamed';
    const keys = Object.keys(params).filter((k) => /^Parameters\.member\.\d+\.ParameterKey$/.test(k));
    const cs: ChangeSet = {
      id: `arn:aws:cloudformation:eu-west-1:${ACCOUNT}:changeSet/${name}/${randomUUID()}`,
      name,
      stack: stack.name,
      ...(params.ClientToken ? { token: params.ClientToken } : {}),
      polls: 0,
      status: 'CREATE_PENDING',
      executionStatus: 'UNAVAILABLE',
      params: Object.fromEntries(keys.map((k) => [params[k]!, params[k.replace('ParameterKey', 'ParameterValue')] ?? ''])),
    };
    this.changeSets.set(cs.id, cs);
    return cs;
  }

  private advanceChangeSet(cs: ChangeSet, script: StackScript): void {
    if (cs.status === 'CREATE_COMPLETE' || cs.status === 'FAILED') return;
    cs.polls++;
    if (cs.polls === 1) cs.status = 'CREATE_IN_PROGRESS';
    else if (script.changes.length) {
      cs.status = 'CREATE_COMPLETE';
      cs.executionStatus = 'AVAILABLE';
    } else cs.status = 'FAILED';
  }

  private advanceStack(stack: Stack, script: StackScript): void {
    if (stack.status !== 'UPDATE_IN_PROGRESS' || script.outcome === 'hold') return;
    if (++stack.polls < 2) {
      const c = script.changes[0];
      if (c) this.event(stack, c.logicalId, c.type, 'UPDATE_IN_PROGRESS');
      return;
    }
    if (script.outcome === 'complete') {
      for (const c of script.changes) this.event(stack, c.logicalId, c.type, c.action === 'Remove' ? 'DELETE_COMPLETE' : 'UPDATE_COMPLETE');
      this.setStatus(stack, 'UPDATE_COMPLETE');
    } else {
      const c = script.changes[0]!;
      this.event(stack, c.logicalId, c.type, 'UPDATE_FAILED', 'Resource handler returned message: "Bucket name already exists"');
      this.setStatus(stack, 'UPDATE_ROLLBACK_IN_PROGRESS', 'The following resource(s) failed to update: [' + c.logicalId + '].');
      this.setStatus(stack, 'UPDATE_ROLLBACK_COMPLETE');
    }
    stack.polls = 0;
  }

  private setStatus(stack: Stack, status: string, reason?: string): void {
    stack.status = status;
    if (stack.executing && /_COMPLETE$|_FAILED$/.test(status)) {
      stack.executing.executionStatus = /ROLLBACK|FAILED/.test(status) ? 'EXECUTE_FAILED' : 'EXECUTE_COMPLETE';
      stack.executing = undefined;
    }
    stack.reason = reason;
    this.event(stack, stack.name, 'AWS::CloudFormation::Stack', status, reason);
  }

  private event(stack: Stack, logicalId: string, type: string, status: string, reason?: string): void {
    stack.events.push({ id: randomUUID(), at: new Date(), logicalId, type, status, ...(reason ? { reason } : {}) });
  }

  private ok(res: ServerResponse, action: string, result: string, withResult = true): void {
    const inner = withResult ? `<${action}Result>${result}</${action}Result>` : '';
    res.writeHead(200, { 'content-type': 'text/xml', 'x-amzn-requestid': randomUUID() });
    res.end(
      `<${action}Response xmlns="${NS}">${inner}` +
        `<ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></${action}Response>`,
    );
  }

  private error(res: ServerResponse, status: number, code: string, message: string): void {
    res.writeHead(status, { 'content-type': 'text/xml', 'x-amzn-requestid': randomUUID() });
    res.end(
      `<ErrorResponse xmlns="${NS}"><Error><Type>Sender</Type>${tag('Code', code)}${tag('Message', message)}</Error>` +
        `<RequestId>${randomUUID()}</RequestId></ErrorResponse>`,
    );
  }
}
