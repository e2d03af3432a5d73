import type { MessageContent } from '../../core/message-types.js';
import type { RunDoc } from './model.js';

/**
 * What the pipelines domain needs shown, in its own terms: the Announcer decides when and where a
 * run is posted, the presenter how it looks. The Slack implementation is
 * `runPresenter` in commands/pipelines/render.ts, passed in by src/app/modules/pipelines.ts.
 */
export interface RunPresenter {
  /** The run's one message in its channel, rendered again on every change. */
  runCard(run: RunDoc, now: number): MessageContent;
  /** The final word on a finished run, to the triggering user and the owning team. */
  finalLine(run: RunDoc, now: number): string;
  /** A line the domain wrote (a stage note, a cancellation), as a message in the run's thread or a DM. */
  note(text: string): MessageContent;
}
