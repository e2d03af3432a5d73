import { z } from 'zod';
import type { Actor } from '../core/access.js';

/**
 * What the capabilities promise each other. Pipelines, approvals, injectors, incidents, planning
 * and inspectors meet only through these interfaces (looked up in the ServiceRegistry at call
 * time) and through domain events, never by importing each other's internals.
 */

// ---------------------------------------------------------------- pipelines
import { RUN_STATUSES, type INCIDENT_SEVERITIES } from './vocabulary.js';

export { INCIDENT_SEVERITIES, RUN_STATUSES } from './vocabulary.js';
export type RunStatus = (typeof RUN_STATUSES)[number];
export type StageStatus = 'pending' | 'running' | 'waiting' | 'succeeded' | 'failed' | 'cancelled' | 'skipped';

export interface RunInfo {
  id: string;
  pipeline: string;
  service: string;
  /** Slack channel of the owning team. */
  teamChannel: string;
  env: string;
  ref: string;
  params: Record<string, string>;
  triggeredBy: string;
  /** Channel the run was triggered from; its message lives there. */
  channel: string;
  status: RunStatus;
  createdAt: number;
  startedAt?: number;
  finishedAt?: number;
  /** Set by `--fix <incident-id>`: the run ships a fix for that incident. */
  fixIncident?: string;
  /** Set when a run was started as a rollback of another run. */
  rollbackOf?: string;
  /** Logical chat message key of the run's message (thread parent). */
  messageKey: string;
  stages: Array<{
    id: string;
    kind: string;
    status: StageStatus;
    summary?: string;
    link?: string;
    startedAt?: number;
    finishedAt?: number;
    details?: Record<string, unknown>;
  }>;
}

export interface StageOutcomeDone {
  status: 'succeeded' | 'failed';
  summary?: string;
  link?: string;
  /** Structured result kept on the run (e.g. approvals that applied, inspector verdicts). */
  details?: Record<string, unknown>;
}

/** The stage has handed off (an approval gate, an override request): someone resolves it later. */
export interface StageOutcomeWaiting {
  status: 'waiting';
  summary?: string;
}

export type StageOutcome = StageOutcomeDone | StageOutcomeWaiting;

export interface StageContext {
  run: RunInfo;
  stage: { id: string; kind: string; attempt: number };
  /** Stage settings with `${{ params.* }}` and `${{ inject.* }}` resolved. */
  settings: Record<string, unknown>;
  /** Secret values injected into this stage: pass them on, never persist or print them. */
  secrets: ReadonlySet<string>;
  /** Appends to the stage log (secrets are masked before it is stored). */
  log(line: string): Promise<void>;
  /** Aborted when the run is cancelled. */
  signal: AbortSignal;
  /** Publishes a link (e.g. a CI run URL) on the run message while the stage runs. */
  setLink(url: string): Promise<void>;
}

/** A stage kind plugs in behind one interface: shell, http, github-actions, approval, inspect... */
export interface StageKind {
  kind: string;
  /** zod schema of the stage's `with:` settings, checked when workflows load. */
  settings: z.ZodType;
  /** Attempts for a stage of this kind (a `PermanentJobError` fails at once). */
  attempts?: number;
  backoffMs?: number;
  run(ctx: StageContext): Promise<StageOutcome>;
  /** Best effort: stop remote work when a run is cancelled. */
  cancel?(ctx: StageContext): Promise<void>;
}

export interface StartRunRequest {
  pipeline: string;
  env: string;
  ref?: string;
  params?: Record<string, string>;
  actor: Actor;
  channel: string;
  noQueue?: boolean;
  fixIncident?: string;
  rollbackOf?: string;
  /** Admin override of a change freeze, with its reason (audited). */
  overrideReason?: string;
  /** Idempotency key (a Slack trigger id): the same key starts one run. */
  requestKey?: string;
}

export interface PipelineService {
  startRun(req: StartRunRequest): Promise<RunInfo>;
  getRun(runId: string): Promise<RunInfo | null>;
  /** Runs of a service (all pipelines), newest first. */
  recentRuns(filter: { service?: string; pipeline?: string; env?: string; sinceMs?: number; limit?: number }): Promise<RunInfo[]>;
  /** Resolves a stage that returned `waiting` (gate decided, override given). Idempotent. */
  resolveWaitingStage(runId: string, stageId: string, outcome: StageOutcomeDone): Promise<void>;
  /** Adds a line to the run's thread (e.g. an approval decision). */
  noteOnRun(runId: string, text: string): Promise<void>;
  /** The newest `lines` lines of a stage's captured log (injected secrets already masked). */
  logs(runId: string, stageId: string, lines: number): Promise<string[]>;
  pipelineNames(): string[];
  /** Definition summary used by /config render and inspectors. */
  definition(name: string): {
    name: string;
    service: string;
    environments: string[];
    stages: Array<{ id: string; kind: string; with: Record<string, unknown>; needs: string[] }>;
  } | null;
}

/**
 * What an infrastructure stage (a Terraform plan, a CloudFormation change set) will change, kept in
 * its stage details as `planSummary` and shown by the next approval gate of the run.
 */
export const planSummarySchema = z.object({
  tool: z.string(),
  /** Where the changes apply: a working directory and environment, a stack. */
  target: z.string(),
  counts: z.object({ create: z.number(), update: z.number(), delete: z.number(), replace: z.number() }),
  /** The first changes, destroys and replacements first; `omitted` counts the rest. */
  changes: z.array(z.object({ action: z.enum(['create', 'update', 'delete', 'replace']), address: z.string() })),
  omitted: z.number().default(0),
});
export type PlanSummary = z.infer<typeof planSummarySchema>;

/** The plan summaries of a run's finished stages, in stage order (a stage without one is left out). */
export function planSummariesOf(run: Pick<RunInfo, 'stages'>): Array<{ stageId: string; summary: PlanSummary }> {
  return run.stages.flatMap((s) => {
    const parsed = planSummarySchema.safeParse(s.details?.planSummary);
    return s.status === 'succeeded' && parsed.success ? [{ stageId: s.id, summary: parsed.data }] : [];
  });
}

/** A deploy guard can refuse a run before it starts (change freeze, open SEV1/2). */
export interface GuardVerdict {
  allowed: boolean;
  /** Which rule refused it, shown to the user. */
  reason?: string;
  /** An admin may pass with a stated reason (change freezes). */
  overridable?: boolean;
}

export interface DeployGuard {
  name: string;
  check(req: {
    pipeline: string;
    service: string;
    env: string;
    actor: Actor;
    fixIncident?: string;
    overrideReason?: string;
    at: number;
  }): Promise<GuardVerdict>;
}

// ---------------------------------------------------------------- injectors
export interface ResolvedValue {
  key: string;
  value: string;
  secret: boolean;
  source: string;
  path: string;
  version?: string | number;
  stale?: boolean;
}

export interface InjectionResolver {
  /** Throws NotFoundError naming the missing key. */
  resolve(service: string, env: string, keys: string[]): Promise<Record<string, ResolvedValue>>;
}

// ---------------------------------------------------------------- incidents

export interface IncidentSummary {
  id: string;
  title: string;
  severity: (typeof INCIDENT_SEVERITIES)[number];
  status: 'investigating' | 'identified' | 'monitoring' | 'resolved';
  services: string[];
  channel?: string;
  declaredAt: number;
  resolvedAt?: number;
}

export interface IncidentQueries {
  openIncidents(filter?: { service?: string }): Promise<IncidentSummary[]>;
  get(id: string): Promise<IncidentSummary | null>;
  /** Incidents declared (or opened by an alert) at or after `sinceMs`, open or resolved, newest first. */
  declaredSince(sinceMs: number): Promise<IncidentSummary[]>;
  /**
   * Adds an entry to an incident's timeline (e.g. a fix deployment started). With `once`, an entry
   * with the same key is added only the first time (a redelivered webhook, a retried job).
   */
  addTimelineEntry(id: string, entry: { kind: string; text: string; actor?: string; once?: string }): Promise<void>;
  /**
   * An acknowledgement made in a paging tool (PagerDuty, Opsgenie) whose webhook proved its sender:
   * acknowledges the open incident and stops its escalation. `user` is the Slack user when known,
   * `name` how the tool names the person. `first` is false when it was already acknowledged.
   */
  acknowledgeFrom?(id: string, via: { system: string; user?: string; name?: string }): Promise<{ found: boolean; first: boolean }>;
}

/**
 * An alert group as a sender reports it (Alertmanager's group, a CloudWatch alarm through SNS): the
 * `alerts` service turns it into one incident per group, each alert noted once per status.
 */
export interface AlertGroupReport {
  /** The sender: the incident's source and the actor of its timeline entries. */
  source: 'alertmanager' | 'sns';
  /** One incident per group key (per sender). */
  groupKey: string;
  status: 'firing' | 'resolved';
  title: string;
  /** The incidents configuration's default when absent. */
  severity?: (typeof INCIDENT_SEVERITIES)[number];
  /** As the sender named it; an unknown service opens an incident without responders. */
  service?: string;
  description: string;
  /** `fingerprint` + `startsAt` + `status` make one timeline entry (a redelivery adds none). */
  alerts: Array<{ fingerprint: string; startsAt: string; status: 'firing' | 'resolved'; text: string }>;
}

export interface AlertIntakeResult {
  /** Null for a resolved group that never had an incident. */
  incident: string | null;
  created: boolean;
  /** New timeline entries. */
  added: number;
}

export interface AlertIntake {
  report(group: AlertGroupReport): Promise<AlertIntakeResult>;
}

// ---------------------------------------------------------------- on-call
/** Who is on call now for services, from the schedules of a paging tool (PagerDuty, Opsgenie). */
export interface OnCallQueries {
  /**
   * Slack user ids on call for these services, and the tool that said so. Empty when no service is
   * mapped to a schedule or the tool could not be read: the caller falls back to its own lists.
   */
  onCall(services: readonly string[]): Promise<{ users: string[]; source?: string }>;
}

// ---------------------------------------------------------------- runbooks
/** The runbooks that answer an incident (one of its services, its alert name, a keyword of its title). */
export interface RunbookQueries {
  matching(incident: { title: string; services: readonly string[] }): Array<{ name: string; title: string }>;
}

// ---------------------------------------------------------------- approvals / freezes
export interface FreezeQueries {
  activeFreeze(env: string, at: number): Promise<{ name: string; until?: number } | null>;
}

/** Who may approve (and so override an inspector's fail) for a run, per the approval policy. */
export interface ApproverCheck {
  eligible(actor: Actor, run: RunInfo): Promise<{ ok: boolean; rule?: string }>;
}

// ---------------------------------------------------------------- planning
export interface PlanItemDraft {
  title: string;
  description?: string;
  kind: 'feature' | 'bug' | 'chore' | 'follow-up';
  service?: string;
  owner?: string;
  createdBy: string;
  links?: string[];
  priority?: 'low' | 'medium' | 'high' | 'critical';
  /** Idempotency: the same key creates one item. */
  sourceKey?: string;
}

export interface PlanWriter {
  createItem(draft: PlanItemDraft): Promise<{ id: string }>;
  /** The item a typed id (PLAN-7, 7) names; throws NotFoundError when there is none. */
  get(typed: string): Promise<{ id: string; title: string; state: string; startedAt?: number }>;
  /** Items linked to an incident (its follow-ups). */
  linkedItemIds(type: 'incident', ref: string): Promise<string[]>;
  /** Adds a URL link (a Jira issue filed for the item); idempotent on the URL. */
  addLink(id: string, link: { type: 'url'; ref: string; addedBy: string }): Promise<void>;
}

// ---------------------------------------------------------------- inspectors
/** The findings one landing-zone inspection newly saw on one service (one post, one plan item). */
export interface FindingBatch {
  scanId: string;
  inspector: string;
  env: string;
  service: string;
  findings: Array<{
    findingId: string;
    /** Advisory or rule id as the scanner names it (`CVE-2019-14697`, a SARIF ruleId). */
    ruleId: string;
    severity: 'info' | 'low' | 'medium' | 'high' | 'critical';
    title: string;
    state: 'open' | 'fixed' | 'accepted';
    url?: string;
  }>;
}

export interface FindingQueries {
  /** The batch as it is now (a redelivered or late event still sees the current state). */
  batch(scanId: string): Promise<FindingBatch | null>;
}

// Domain events (EVENTS and their payload types) are declared in ./events.ts.
export * from './events.js';
