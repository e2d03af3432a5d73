import { UsageError } from '../../core/errors.js';

/** What a plan is made of: items (PLAN-<n>) and iterations. Plain JSON, stored through the Store port. */
export const STATES = ['backlog', 'next', 'doing', 'done', 'dropped'] as const;
export type PlanState = (typeof STATES)[number];

export const KINDS = ['feature', 'bug', 'chore', 'follow-up'] as const;
export type PlanKind = (typeof KINDS)[number];

export const PRIORITIES = ['low', 'medium', 'high', 'critical'] as const;
export type PlanPriority = (typeof PRIORITIES)[number];

/** States that count as committed to an iteration; backlog items belong to none. */
export const ITERATION_STATES: ReadonlySet<PlanState> = new Set(['next', 'doing', 'done']);
/** Unfinished work that rolls over when an iteration closes. */
export const UNFINISHED_STATES: ReadonlySet<PlanState> = new Set(['next', 'doing']);

export type LinkType = 'run' | 'incident' | 'finding' | 'message' | 'url';

export interface PlanLink {
  type: LinkType;
  /** Run id, incident id, finding id, or the URL itself. */
  ref: string;
  url?: string;
  addedBy: string;
  at: number;
}

export interface PlanHistoryEntry {
  at: number;
  actor: string;
  text: string;
}

export interface ShippedMarker {
  runId: string;
  pipeline?: string;
  env: string;
  at: number;
}

export interface PlanItem {
  id: string;
  seq: number;
  title: string;
  description?: string;
  kind: PlanKind;
  service?: string;
  owner?: string;
  state: PlanState;
  /** Iteration id while the item is committed (next/doing/done); backlog items have none. */
  iteration?: string;
  priority: PlanPriority;
  links: PlanLink[];
  createdBy: string;
  createdAt: number;
  updatedAt: number;
  /** When the item first moved to doing: where its lead time for changes starts (delivery metrics). */
  startedAt?: number;
  /** Set on a done item when a linked production run shipped it. */
  shipped?: ShippedMarker;
  dropReason?: string;
  sourceKey?: string;
  /** The iteration the item last rolled over from (its close counts it as rolled over). */
  rolledFrom?: string;
  /** Newest last, capped: enough for `/plan show`, the audit log keeps the rest. */
  history: PlanHistoryEntry[];
}

export interface IterationCounts {
  done: number;
  shipped: number;
  rolledOver: number;
  dropped: number;
  incidents: number;
}

export interface Iteration {
  id: string;
  seq: number;
  name: string;
  startAt: number;
  endAt: number;
  createdBy: string;
  closedAt?: number;
  closedBy?: string;
  /** The iteration unfinished items rolled into. */
  nextId?: string;
  /** Set while a close is under way (the current pointer not yet moved): what comes next. */
  closingInto?: Iteration;
  /** Written last: a closed iteration without counts is a close still to finish. */
  counts?: IterationCounts;
}

export const HISTORY_MAX = 20;
export const DAY_MS = 86_400_000;

export function withHistory(item: PlanItem, entry: PlanHistoryEntry): PlanHistoryEntry[] {
  return [...item.history, entry].slice(-HISTORY_MAX);
}

/** `PLAN-42`, `plan-42` or `42` -> `PLAN-42`; `<@U123|name>` or `U123` -> `U123` (one grammar each, src/core/commands/args.ts). */
export { parsePlanId as parseItemId, parseUserId as parseUser } from '../../core/commands/args.js';

export function parseState(text: string): PlanState {
  const s = text.trim().toLowerCase();
  if ((STATES as readonly string[]).includes(s)) return s as PlanState;
  throw new UsageError(`Unknown state \`${clipWord(text)}\`.`, [`States: ${STATES.join(', ')}.`]);
}

export function parseKind(text: string): PlanKind {
  const k = text.trim().toLowerCase();
  if ((KINDS as readonly string[]).includes(k)) return k as PlanKind;
  throw new UsageError(`Unknown kind \`${clipWord(text)}\`.`, [`Kinds: ${KINDS.join(', ')}.`]);
}

export function parsePriority(text: string): PlanPriority {
  const p = text.trim().toLowerCase();
  if ((PRIORITIES as readonly string[]).includes(p)) return p as PlanPriority;
  throw new UsageError(`Unknown priority \`${clipWord(text)}\`.`, [`Priorities: ${PRIORITIES.join(', ')}.`]);
}

/** Service names as pipelines use them: lowercase words joined by - or _. */
export function parseService(text: string): string {
  const s = text.trim().toLowerCase();
  if (!/^[a-z0-9][a-z0-9_-]{0,62}$/.test(s)) {
    throw new UsageError(`\`${clipWord(text)}\` is not a service name (lowercase letters, digits, - and _).`);
  }
  return s;
}

/** Slack wraps URLs as `<https://x>` or `<https://x|label>`; give back the bare URL. */
export function unwrapSlackLink(text: string): string {
  const m = /^<(https?:\/\/[^|>]+)(?:\|[^>]*)?>$/i.exec(text.trim());
  return m ? m[1]! : text.trim();
}

/** A link to a Slack message that works without knowing the workspace's domain. */
export function messagePermalink(channel: string, ts: string): string {
  return `https://slack.com/archives/${channel}/p${ts.replace('.', '')}`;
}

export function clipWord(word: string, max = 40): string {
  return word.length > max ? `${word.slice(0, max)}…` : word;
}
