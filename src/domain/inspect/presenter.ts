import type { MessageContent } from '../../core/message-types.js';
import type { ScanBatch } from './batches.js';
import type { FindingRecord } from './finding-store.js';
import type { InspectorResult, Verdict } from './types.js';

/** Where an inspection gate stands, as its blocking message shows it. */
export type GateState = { status: 'waiting' } | { status: 'overridden' | 'failed' | 'closed'; by: string; reason?: string };

/**
 * What the inspect capability needs shown, in its own terms. The domain decides when and where
 * (which channel, which message key, once per run and stage); the surface
 * (commands/inspect/render.ts) decides how it looks and builds the buttons that go with it.
 */
export interface InspectPresenter {
  /** The compact verdict noted in a run's thread: one line per inspector and its top findings. */
  verdictNote(stageId: string, verdict: Verdict, results: readonly InspectorResult[]): string;
  /** The blocking message under a failed inspection (with Override… / Fail run while it waits), and what replaces it. */
  gate(runId: string, stageId: string, state: GateState): MessageContent;
  /** The post of a finding announced before scan batches existed (kept current when it changes). */
  finding(record: FindingRecord, now: number): MessageContent;
  /** The one post of a scan batch: counts by severity, then every finding with its state. */
  batch(batch: Pick<ScanBatch, 'id' | 'inspector' | 'env' | 'service'>, records: readonly FindingRecord[], now: number): MessageContent;
  /** A part of a landing-zone inspection cannot run (`label`: "the inventory of production"). */
  cannotRun(label: string, reason: string): MessageContent;
  /** What the cannot-run post becomes once that part runs again, after `downMs`. */
  cannotRunEnded(label: string, downMs: number): MessageContent;
  /** The note that the part runs again. */
  recovered(label: string): MessageContent;
}
