import type { IncidentSummary } from '../contracts.js';
import type { Severity } from './config.js';
import { mention } from '../../core/outbound.js';

/** The incident document kept in Redis (one JSON value per incident). */
export const STATUSES = ['investigating', 'identified', 'monitoring', 'resolved'] as const;
export type IncidentStatus = (typeof STATUSES)[number];
export const ROLES = ['commander', 'comms', 'scribe'] as const;
export type IncidentRole = (typeof ROLES)[number];
export const ROLE_LABEL: Record<IncidentRole, string> = { commander: 'Commander', comms: 'Communications lead', scribe: 'Scribe' };

export type IncidentSource = 'slack' | 'alertmanager' | 'helpdesk' | 'sns';

/** Steps of the channel set-up job, recorded as each finishes so a retry resumes, never repeats. */
export interface SetupProgress {
  topic?: string;
  purpose?: boolean;
  bookmarks?: string[];
  invited?: string[];
  summaryPosted?: boolean;
  ready?: boolean;
  /** Optional steps Slack refused for good (missing_scope, not_in_channel...): noted, not retried. */
  skipped?: Array<{ step: string; error: string }>;
  /** Responders Slack would not let into the channel (a guest, someone who left), with the reason. */
  notInvited?: Array<{ user: string; error: string }>;
  /** How many skipped steps and refused invites the channel was told about (one note, kept current). */
  noted?: number;
  /** A required step (the channel itself) that failed for good; the declarer was told. */
  failed?: string;
}

export interface Incident {
  id: string;
  number: number;
  title: string;
  description?: string;
  severity: Severity;
  status: IncidentStatus;
  services: string[];
  source: IncidentSource;
  /** User id of the person who declared, or the system that opened it (`alertmanager`, `helpdesk`). */
  declaredBy: string;
  declaredAt: number;
  roles: Partial<Record<IncidentRole, string>>;
  channel?: string;
  channelName?: string;
  setup: SetupProgress;
  ackedAt?: number;
  ackedBy?: string;
  /** Escalation levels paged so far (0 = only on-call). */
  escalationLevel: number;
  /** Generation of the update-reminder timer: a fired reminder of an older generation is stale. */
  reminderGen: number;
  lastUpdateAt: number;
  updates: number;
  /** Help desk ticket ids linked to the incident. */
  tickets: string[];
  alertGroupKey?: string;
  resolvedAt?: number;
  resolvedBy?: string;
  resolution?: string;
  followUps?: string[];
  /** Audience channels holding the live announcement (kept current as severity and status change). */
  announcedTo?: string[];
  /** Set at creation, cleared once timers, announcements, help desk and event are all sent. */
  announcePending?: boolean;
  /** Bumped on every change; the help desk webhook and topic jobs use it as an idempotency key. */
  version: number;
}

export interface TimelineEntry {
  at: number;
  kind: string;
  text: string;
  actor?: string;
  /** A Slack message the entry points at (a reacted message). */
  ref?: { channel: string; ts: string };
}

export const SEVERITY_EMOJI: Record<Severity, string> = {
  SEV1: ':red_circle:',
  SEV2: ':large_orange_circle:',
  SEV3: ':large_yellow_circle:',
  SEV4: ':white_circle:',
};

export function isOpen(i: Pick<Incident, 'status'>): boolean {
  return i.status !== 'resolved';
}

export function toSummary(i: Incident): IncidentSummary {
  return {
    id: i.id,
    title: i.title,
    severity: i.severity,
    status: i.status,
    services: i.services,
    ...(i.channel ? { channel: i.channel } : {}),
    declaredAt: i.declaredAt,
    ...(i.resolvedAt ? { resolvedAt: i.resolvedAt } : {}),
  };
}

/** `INC-42`, `inc-42` and `42` all name incident 42; user mentions as Slack escapes them (one grammar each, src/core/commands/args.ts). */
export { parseIncidentId as normalizeIncidentId, parseUserId as parseUser } from '../../core/commands/args.js';

export function who(actor: string | undefined): string {
  if (!actor) return 'someone';
  return /^[UW][A-Z0-9]+$/.test(actor) ? `${mention(actor)}` : actor;
}
