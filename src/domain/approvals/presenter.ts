import type { MessageContent } from '../../core/message-types.js';
import type { Gate } from './gate.js';

/**
 * Which copy of a request is shown. The run thread and the approval channel are the live request,
 * updated on every vote. A DM is posted once and updated only when the gate is decided (each update
 * of 20 DMs per vote would spend the `chat.update` budget), so while pending it states what is
 * needed rather than a count that would go stale.
 */
export type CopyKind = 'live' | 'dm';

/**
 * What the approvals domain needs shown, in its own terms: GateStore and Decisions decide which
 * copies are posted, updated and reminded, the presenter how each looks. Every copy is rendered
 * from the gate document alone, so an update after a vote or a restart shows the same thing
 * everywhere. The Slack implementation is `gatePresenter` in commands/approvals/render.ts,
 * passed in by src/app/modules/approvals.ts.
 */
export interface GatePresenter {
  /** The full request (with its buttons while pending), as posted in the thread, the approval channel and each DM. */
  request(gate: Gate, copy: CopyKind): MessageContent;
  /** The reminder to approvers who have not voted, `leftMs` before the gate expires. */
  reminder(gate: Gate, leftMs: number): string;
  /** The decision, as noted in the run's thread. */
  decisionNote(gate: Gate): string;
}
