import type { WebClient } from '@slack/web-api';
import type { Block, MessageContent } from '../../core/blocks.js';
import { RateLimitedError } from '../../core/errors.js';
import type { ChatPort, ChatUser, InviteResult, MessageRef, ModalView, PostMessage } from '../../core/ports/chat.js';
import type { Logger } from '../../core/ports/runtime.js';
import type { Metrics } from '../metrics.js';
import type { Outbox } from './outbox.js';
import type { SlackBudget } from './rate-budget.js';
import { classify, isInviteeError, perUserErrors, toDomainError } from './web-errors.js';

/**
 * Longest wait a direct call sits out in place (all waits of one call together). A person may be
 * waiting on the answer, and a job holds a worker slot meanwhile: anything longer is thrown as a
 * RateLimitedError, which defers a job, re-queues a stage and tells a person Slack is busy.
 */
const MAX_INLINE_WAIT_MS = 2_000;
/** Redis may still report a hold we just slept out as a few ms long: not worth a deferral. */
const CLOCK_TOLERANCE_MS = 50;
/** Invite answers that mean the user is in the channel (or is the bot itself): not a failure. */
const ALREADY_THERE = new Set(['already_in_channel', 'cant_invite_self']);

/**
 * ChatPort over the Slack Web API. Channel messages go through the durable outbox; everything
 * else is a direct call within the method's workspace-wide budget (rate-budget.ts) that waits out
 * a short 429 and otherwise fails with a coded error.
 */
export class SlackChat implements ChatPort {
  constructor(
    private readonly client: WebClient,
    private readonly outbox: Outbox,
    private readonly metrics: Metrics,
    private readonly log: Logger,
    private readonly budget: SlackBudget,
  ) {}

  post(msg: PostMessage): Promise<void> {
    return this.outbox.post(msg);
  }

  update(key: string, content: MessageContent): Promise<void> {
    return this.outbox.update(key, content);
  }

  pin(key: string): Promise<void> {
    return this.outbox.pin(key);
  }

  messageRef(key: string): Promise<MessageRef | null> {
    return this.outbox.ref(key);
  }

  private async call<T>(method: string, fn: () => Promise<T>): Promise<T> {
    const inlineMs = this.budget.inlineWaitMs(MAX_INLINE_WAIT_MS);
    for (let waited = 0; ;) {
      let waitMs = await this.budget.take(method);
      if (waitMs > 0) {
        this.metrics.rateLimitWaits.inc({ method, reason: 'workspace_budget' });
      } else {
        try {
          return await fn();
        } catch (err) {
          const f = classify(err);
          this.metrics.slackApiErrors.inc({ method, error: f.error });
          if (f.kind !== 'rate_limited') throw toDomainError(method, f, err);
          waitMs = await this.budget.rateLimited(method, f.retryAfterMs);
          this.metrics.rateLimitWaits.inc({ method, reason: 'retry_after' });
          this.log.warn({ method, retryAfterMs: waitMs }, 'Slack rate limited');
        }
      }
      // Counted whether sat out here or by the deferred job: the alert on waiting sees both.
      this.metrics.rateLimitWaitSeconds.inc({ method }, waitMs / 1000);
      if (waited + waitMs > inlineMs + (waited > 0 ? CLOCK_TOLERANCE_MS : 0)) {
        throw new RateLimitedError('Slack', `busy right now (${method} is rate limited); try again in about ${seconds(waitMs)}`, waitMs);
      }
      waited += waitMs;
      await new Promise((r) => setTimeout(r, waitMs));
    }
  }

  async ephemeral(channel: string, user: string, content: MessageContent): Promise<void> {
    await this.call('chat.postEphemeral', () =>
      this.client.chat.postEphemeral({ channel, user, text: content.text, ...(content.blocks ? { blocks: content.blocks as never } : {}) }),
    );
  }

  async createChannel(name: string, opts: { isPrivate?: boolean } = {}): Promise<{ id: string; name: string }> {
    const res = await this.call('conversations.create', () =>
      this.client.conversations.create({ name, is_private: opts.isPrivate ?? false }),
    );
    return { id: res.channel!.id!, name: res.channel!.name! };
  }

  /**
   * One refused invitee makes Slack refuse the whole call, so invite with `force` (the valid users
   * join, the refused ones come back in `errors`). If Slack still refuses the call over an
   * invitee, invite one by one so each refusal is known and nobody else is held back.
   */
  async invite(channel: string, users: string[]): Promise<InviteResult> {
    const wanted = [...new Set(users)];
    if (!wanted.length) return { invited: [], failed: [] };
    try {
      const res = await this.call('conversations.invite', () =>
        this.client.conversations.invite({ channel, users: wanted.join(','), force: true }),
      );
      const failed = perUserErrors(res.errors).filter((e) => !ALREADY_THERE.has(e.error));
      return { invited: wanted.filter((u) => !failed.some((f) => f.user === u)), failed };
    } catch (err) {
      const f = slackFailure(err);
      if (ALREADY_THERE.has(f.error) && !f.userErrors?.length) return { invited: wanted, failed: [] };
      if (f.kind !== 'platform' || !isInviteeError(f.error)) throw err;
    }
    const out: InviteResult = { invited: [], failed: [] };
    for (const user of wanted) {
      try {
        await this.call('conversations.invite', () => this.client.conversations.invite({ channel, users: user }));
        out.invited.push(user);
      } catch (err) {
        const f = slackFailure(err);
        if (ALREADY_THERE.has(f.error)) out.invited.push(user);
        else if (f.kind === 'platform' && isInviteeError(f.error)) out.failed.push({ user, error: f.error });
        else throw err;
      }
    }
    return out;
  }

  async setTopic(channel: string, topic: string): Promise<void> {
    await this.call('conversations.setTopic', () => this.client.conversations.setTopic({ channel, topic: topic.slice(0, 250) }));
  }

  async setPurpose(channel: string, purpose: string): Promise<void> {
    await this.call('conversations.setPurpose', () => this.client.conversations.setPurpose({ channel, purpose: purpose.slice(0, 250) }));
  }

  async addBookmark(channel: string, title: string, link: string): Promise<void> {
    await this.call('bookmarks.add', () => this.client.bookmarks.add({ channel_id: channel, title, type: 'link', link }));
  }

  async channelName(channel: string): Promise<string | null> {
    try {
      const res = await this.call('conversations.info', () => this.client.conversations.info({ channel }));
      return res.channel?.name ?? null;
    } catch {
      return null;
    }
  }

  async messageText(channel: string, ts: string): Promise<string | null> {
    try {
      // A top-level message is found in history; a thread reply only through its thread.
      const top = await this.call('conversations.history', () =>
        this.client.conversations.history({ channel, latest: ts, inclusive: true, limit: 1 }),
      );
      const hit = top.messages?.find((m) => m.ts === ts);
      if (hit) return hit.text ?? '';
      const thread = await this.call('conversations.replies', () => this.client.conversations.replies({ channel, ts, limit: 200 }));
      return thread.messages?.find((m) => m.ts === ts)?.text ?? null;
    } catch (err) {
      this.log.warn({ channel, err: (err as Error).message }, 'could not read a message');
      return null;
    }
  }

  async userInfo(user: string): Promise<ChatUser | null> {
    try {
      const res = await this.call('users.info', () => this.client.users.info({ user }));
      const u = res.user;
      if (!u?.id) return null;
      return {
        id: u.id,
        name: u.name ?? u.id,
        realName: u.real_name ?? u.name ?? u.id,
        ...(u.profile?.email ? { email: u.profile.email } : {}),
        ...(u.tz ? { tz: u.tz } : {}),
        isBot: Boolean(u.is_bot),
      };
    } catch (err) {
      if (/user_not_found/.test((err as Error).message)) return null;
      throw err;
    }
  }

  async lookupByEmail(email: string): Promise<string | null> {
    try {
      const res = await this.call('users.lookupByEmail', () => this.client.users.lookupByEmail({ email }));
      return res.user?.id ?? null;
    } catch (err) {
      if (/users_not_found/.test((err as Error).message)) return null;
      throw err;
    }
  }

  async usergroupMembers(usergroupId: string): Promise<string[]> {
    const res = await this.call('usergroups.users.list', () => this.client.usergroups.users.list({ usergroup: usergroupId }));
    return res.users ?? [];
  }

  async openModal(triggerId: string, view: ModalView): Promise<string> {
    const res = await this.call('views.open', () => this.client.views.open({ trigger_id: triggerId, view: toSlackView(view) as never }));
    return res.view?.id ?? '';
  }

  async updateModal(viewId: string, view: ModalView): Promise<void> {
    await this.call('views.update', () => this.client.views.update({ view_id: viewId, view: toSlackView(view) as never }));
  }

  async publishHome(user: string, blocks: Block[]): Promise<void> {
    await this.call('views.publish', () => this.client.views.publish({ user_id: user, view: { type: 'home', blocks: blocks as never } }));
  }
}

function seconds(ms: number): string {
  return `${Math.max(1, Math.ceil(ms / 1000))} s`;
}

/** The Slack failure behind an error `call` threw (it wraps the Web API error as its cause). */
function slackFailure(err: unknown): ReturnType<typeof classify> {
  return classify(err instanceof Error && err.cause ? err.cause : err);
}

function toSlackView(v: ModalView): Record<string, unknown> {
  return {
    type: 'modal',
    callback_id: v.callbackId,
    title: { type: 'plain_text', text: v.title.slice(0, 24) },
    ...(v.submit ? { submit: { type: 'plain_text', text: v.submit.slice(0, 24) } } : {}),
    close: { type: 'plain_text', text: (v.close ?? 'Cancel').slice(0, 24) },
    blocks: v.blocks,
    ...(v.privateMetadata ? { private_metadata: v.privateMetadata } : {}),
  };
}
