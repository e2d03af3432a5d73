import type { ChatMessages } from '../../core/ports/chat.js';
import type { PlanPolicy } from './authorize.js';
import type { PlanItem } from './model.js';
import type { PlanPresenter } from './presenter.js';

/**
 * What the team sees of `/plan` changes: the invoker gets the ephemeral answer, and the change is
 * posted in the team channel of the item's service (config/teams.yml), or in the channel the
 * command was typed in when the service has no team. A new owner is told by DM. Message keys
 * derive from the item's history, so a redelivered change posts once.
 */
export class PlanAnnouncer {
  constructor(
    private readonly chat: ChatMessages,
    private readonly policy: PlanPolicy,
    private readonly present: Pick<PlanPresenter, 'change' | 'assigned'>,
  ) {}

  channelFor(item: PlanItem, typedIn: string): string {
    return this.policy.team(item.service)?.channel ?? typedIn;
  }

  async changed(item: PlanItem, typedIn: string, actor: string, what: string): Promise<string> {
    const channel = this.channelFor(item, typedIn);
    await this.chat.post({
      channel,
      key: `plan-${item.id}-h${item.history.length}-${item.updatedAt}`,
      ...this.present.change(what, actor),
    });
    return channel;
  }

  /** DMs the new owner, unless they gave it to themselves. */
  async assigned(item: PlanItem, owner: string, actor: string): Promise<void> {
    if (owner === actor) return;
    await this.chat.post({
      channel: owner,
      key: `plan-${item.id}-owner-${owner}-${item.updatedAt}`,
      ...this.present.assigned(item, actor),
    });
  }
}
