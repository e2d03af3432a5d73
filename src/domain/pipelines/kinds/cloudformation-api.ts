/**
 * What the `cloudformation` stage kind needs from AWS, in its own terms. The adapter in
 * src/adapters/cloudformation implements it with @aws-sdk/client-cloudformation.
 */
export interface ChangeSetChange {
  /** Add, Modify, Remove, Import, Dynamic. */
  action: string;
  logicalId: string;
  resourceType?: string;
  /** For Modify: True, False or Conditional. */
  replacement?: string;
}

export interface ChangeSetState {
  /** CREATE_PENDING, CREATE_IN_PROGRESS, CREATE_COMPLETE, FAILED, ... */
  status: string;
  statusReason?: string;
  /** AVAILABLE, UNAVAILABLE, EXECUTE_IN_PROGRESS, EXECUTE_COMPLETE, OBSOLETE, ... */
  executionStatus?: string;
  changes: ChangeSetChange[];
}

export interface StackEvent {
  id: string;
  at: number;
  logicalId: string;
  status: string;
  reason?: string;
}

export interface CloudFormationApi {
  createChangeSet(
    o: {
      stack: string;
      name: string;
      type: 'CREATE' | 'UPDATE';
      templateUrl?: string;
      templateFile?: string;
      parameters: Record<string, string>;
      capabilities: string[];
      /** Idempotency: a retried create with the same token makes no second change set. */
      token: string;
    },
    signal: AbortSignal,
  ): Promise<{ id: string }>;
  describeChangeSet(stack: string, changeSetId: string, signal: AbortSignal): Promise<ChangeSetState>;
  executeChangeSet(stack: string, changeSetId: string, token: string): Promise<void>;
  /** The stack's status, or null when there is no such stack. */
  stackStatus(stack: string, signal: AbortSignal): Promise<{ status: string; reason?: string } | null>;
  /** The newest events first, as DescribeStackEvents lists them (first page). */
  stackEvents(stack: string, signal: AbortSignal): Promise<StackEvent[]>;
  cancelUpdate(stack: string): Promise<void>;
}
