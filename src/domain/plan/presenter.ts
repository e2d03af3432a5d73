import type { MessageContent } from '../../core/message-types.js';
import type { PlanItem } from './model.js';
import type { IterationSummary } from './summary.js';

/**
 * What planning needs shown, in its own terms. The domain decides who is told and where (the
 * team's channel, a DM to a new owner, the channel an iteration was closed in) and keys each post
 * so a retry repeats nothing; the surface (commands/plan/render.ts) decides how it looks.
 */
export interface PlanPresenter {
  /** A change posted for the team: `what` is the line the surface wrote for it, credited to `actor`. */
  change(what: string, actor: string): MessageContent;
  /** The DM telling `item`'s new owner that `actor` gave it to them. */
  assigned(item: PlanItem, actor: string): MessageContent;
  /** The post that closes an iteration: tallies, what shipped, rolled over, dropped, the incidents that hit it. */
  iterationSummary(summary: IterationSummary, closedBy: string): MessageContent;
}
