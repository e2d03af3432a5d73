import type { AppContext } from '../../core/module.js';
import type { ChatMessages } from '../../core/ports/chat.js';
import type { RunDoc } from './model.js';
import type { RunPresenter } from './presenter.js';

/**
 * The chat side of a run: its one message in the triggering channel (kept current), the thread
 * under it, and the final word to the triggering user and the owning team. Every post has a key,
 * so a repeated call (a retried job, a recovering watchdog) posts nothing new. What each post
 * looks like is the presenter's.
 */
export class Announcer {
  constructor(
    private readonly ctx: Pick<AppContext, 'clock' | 'log'> & { chat: ChatMessages },
    private readonly show: RunPresenter,
  ) {}

  async postRun(doc: RunDoc): Promise<void> {
    await this.ctx.chat.post({ channel: doc.channel, key: doc.messageKey, ...this.show.runCard(doc, this.ctx.clock.now()) });
  }

  /** Best effort: a failed update must not fail the stage; the next change renders it again. */
  async refresh(doc: RunDoc): Promise<void> {
    try {
      await this.ctx.chat.update(doc.messageKey, this.show.runCard(doc, this.ctx.clock.now()));
    } catch (err) {
      this.ctx.log.warn({ runId: doc.id, err: (err as Error).message }, 'run message update failed');
    }
  }

  async thread(doc: RunDoc, key: string, text: string): Promise<void> {
    await this.ctx.chat.post({ channel: doc.channel, threadKey: doc.messageKey, key: `${doc.messageKey}-${key}`, ...this.show.note(text) });
  }

  async final(doc: RunDoc): Promise<void> {
    const text = this.show.finalLine(doc, this.ctx.clock.now());
    await this.ctx.chat.post({ channel: doc.triggeredBy, key: `${doc.messageKey}-final-dm`, ...this.show.note(text) });
    if (doc.teamChannel === doc.channel) await this.thread(doc, 'final-team', text);
    else await this.ctx.chat.post({ channel: doc.teamChannel, key: `${doc.messageKey}-final-team`, ...this.show.note(text) });
  }
}
