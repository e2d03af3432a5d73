import type { Block, MessageContent } from './blocks.js';
import type { SecretRegistry } from './mask.js';
import { OutboundFilter } from './outbound.js';
import type { ChatPort, ChatUser, InviteResult, MessageRef, ModalView, PostMessage } from './ports/chat.js';

/**
 * The ChatPort every module gets: the Slack adapter behind the outbound boundary. Every text a
 * method sends (messages, edits, ephemerals, topics, purposes, bookmarks, modals, the Home) is made
 * inert and masked here, once, before it is queued or sent; the outbox and Redis only ever hold
 * what Slack may show.
 */
export class SafeChat implements ChatPort {
  readonly filter: OutboundFilter;

  constructor(
    private readonly inner: ChatPort,
    secrets?: SecretRegistry,
  ) {
    this.filter = new OutboundFilter(secrets);
  }

  post(msg: PostMessage): Promise<void> {
    return this.inner.post(this.filter.content(msg));
  }

  update(key: string, content: MessageContent): Promise<void> {
    return this.inner.update(key, this.filter.content(content));
  }

  pin(key: string): Promise<void> {
    return this.inner.pin(key);
  }

  messageRef(key: string): Promise<MessageRef | null> {
    return this.inner.messageRef(key);
  }

  ephemeral(channel: string, user: string, content: MessageContent): Promise<void> {
    return this.inner.ephemeral(channel, user, this.filter.content(content));
  }

  createChannel(name: string, opts?: { isPrivate?: boolean }): Promise<{ id: string; name: string }> {
    return this.inner.createChannel(name, opts);
  }

  invite(channel: string, users: string[]): Promise<InviteResult> {
    return this.inner.invite(channel, users);
  }

  setTopic(channel: string, topic: string): Promise<void> {
    return this.inner.setTopic(channel, this.filter.text(topic));
  }

  setPurpose(channel: string, purpose: string): Promise<void> {
    return this.inner.setPurpose(channel, this.filter.text(purpose));
  }

  addBookmark(channel: string, title: string, link: string): Promise<void> {
    return this.inner.addBookmark(channel, this.filter.plain(title), link);
  }

  channelName(channel: string): Promise<string | null> {
    return this.inner.channelName(channel);
  }

  messageText(channel: string, ts: string): Promise<string | null> {
    return this.inner.messageText(channel, ts);
  }

  userInfo(user: string): Promise<ChatUser | null> {
    return this.inner.userInfo(user);
  }

  lookupByEmail(email: string): Promise<string | null> {
    return this.inner.lookupByEmail(email);
  }

  usergroupMembers(usergroupId: string): Promise<string[]> {
    return this.inner.usergroupMembers(usergroupId);
  }

  openModal(triggerId: string, view: ModalView): Promise<string> {
    return this.inner.openModal(triggerId, this.view(view));
  }

  updateModal(viewId: string, view: ModalView): Promise<void> {
    return this.inner.updateModal(viewId, this.view(view));
  }

  publishHome(user: string, blocks: Block[]): Promise<void> {
    return this.inner.publishHome(user, this.filter.blocks(blocks));
  }

  private view(v: ModalView): ModalView {
    return {
      ...v,
      title: this.filter.plain(v.title),
      ...(v.submit ? { submit: this.filter.plain(v.submit) } : {}),
      ...(v.close ? { close: this.filter.plain(v.close) } : {}),
      blocks: this.filter.blocks(v.blocks),
    };
  }
}
