import type { MessageContent } from '../../core/message-types.js';
import type { RunInfo } from '../contracts.js';
import type { Incident } from './model.js';

/** Which broadcast a status message is: the declaration, an update, or the resolution. */
export type BroadcastKind = 'declared' | 'update' | 'resolved';

/**
 * What the incident domain shows, in its own terms. The domain decides when and where a message
 * goes (keys, channels, threads); the implementation (commands/incidents/render.ts, passed in
 * by src/app/modules/incidents.ts) decides how it looks in Slack: blocks, buttons, layout.
 * Texts the domain composes itself (reminders, pages, set-up reports) are mrkdwn lines made with
 * `src/core/outbound.js`; `note` turns one into a message.
 */
export interface IncidentPresenter {
  /** The summary pinned in the incident channel, kept current; its buttons act while it is open. */
  /** The pinned summary: its deploys (with roll back) and the runbooks that answer it (with Run). */
  summary(inc: Incident, recentRuns: RunInfo[], runbooks?: ReadonlyArray<{ name: string; title: string }>): MessageContent;
  /** A declaration, status update or resolution sent to every audience; `actor` is a user id. */
  update(inc: Incident, kind: BroadcastKind, text: string, actor?: string): MessageContent;
  /** The live announcement in the audience channels: the incident as it is now. */
  announcement(inc: Incident): MessageContent;
  /** The postmortem draft (Markdown) as Slack messages, as many as it takes, nothing cut. */
  postmortem(id: string, markdown: string): MessageContent[];
  /** A line of the bot's own text (a channel note, a reminder, a page, a set-up report) as a message. */
  note(text: string): MessageContent;
}
