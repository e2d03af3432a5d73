import { md } from '../../core/blocks.js';
import type { AppContext } from '../../core/module.js';
import type { ChatMessages } from '../../core/ports/chat.js';
import type { RunDoc } from './model.js';
import { finalLine, renderRun } from './render.js';

/**
 * The chat side of a run: its one message in the triggering channel (kept current), the thread
 * under it, and the final word to the triggering user and the owning team. Every post has a key,
 * so a repeated call (a retried job, a recovering watchdog) posts nothing new.
 */
export class Announcer {
  constructor(private readonly ctx: Pick<AppContext, 'clock' | 'log'> & { chat: ChatMessages }) {}

  async postRun(doc: RunDoc): Promise<void> {
    await this.ctx.chat.post({ channel: doc.channel, key: doc.messageKey, ...renderRun(doc, this.ctx.clock.now()) });
  }

  /** Best effort: a failed update must not fail the stage; the next change renders it again. */
  async refresh(doc: RunDoc): Promise<void> {
    try {
      await this.ctx.chat.update(doc.messageKey, renderRun(doc, this.ctx.clock.now()));
    } catch (err) {
      this.ctx.log.warn({ runId: doc.id, err: (err as Error).message }, 'run message update failed');
    }
  }

  async thread(doc: RunDoc, key: string, text: string): Promise<void> {
    await this.ctx.chat.post({
      channel: doc.channel,
      threadKey: doc.messageKey,
      key: `${doc.messageKey}-${key}`,
      text,
      blocks: [md(text)],
    });
  }

  async final(doc: RunDoc): Promise<void> {
    const text = finalLine(doc, this.ctx.clock.now());
    await this.ctx.chat.post({ channel: doc.triggeredBy, key: `${doc.messageKey}-final-dm`, text, blocks: [md(text)] });
    if (doc.teamChannel === doc.channel) await this.thread(doc, 'final-team', text);
    else await this.ctx.chat.post({ channel: doc.teamChannel, key: `${doc.messageKey}-final-team`, text, blocks: [md(text)] });
  }
}
