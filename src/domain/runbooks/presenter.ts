import type { MessageContent } from '../../core/message-types.js';
import type { RunbookRun } from './model.js';
import type { RunbookDef } from './schema.js';

/**
 * What the runbooks capability needs shown, in its own terms; commands/runbooks/render.ts
 * builds the Block Kit. The domain never formats Slack itself.
 */
export interface RunbookPresenter {
  /** The one message of a run, kept current: every step with its state and who did what, and the current step's buttons. */
  runMessage(run: RunbookRun, now: number): MessageContent;
  /** Runbooks that match a newly declared incident, each with a Run button. */
  offer(incidentId: string, runbooks: readonly RunbookDef[]): MessageContent;
}
