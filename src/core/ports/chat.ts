import type { Block, MessageContent } from '../blocks.js';

/**
 * What the domain needs from Slack. src/adapters/slack implements it over the Web API.
 *
 * Messages are addressed by a logical `key` chosen by the domain (`run-<id>`, `inc-<id>-summary`)
 * rather than Slack's `ts`: posts go through a durable, paced outbox, so the ts is only known once
 * the outbox has delivered. Updates, pins and thread replies name the key; the outbox resolves it.
 */
export interface PostMessage extends MessageContent {
  /** Channel id, or a user id for a direct message. */
  channel: string;
  /** Idempotent: a second post with the same key posts nothing. */
  key?: string;
  /** Reply in the thread of the message with this key. */
  threadKey?: string;
  /** Reply in the thread of a message whose ts is known (e.g. one a person wrote). */
  threadTs?: string;
}

export interface MessageRef {
  channel: string;
  ts: string;
}

export interface ChatUser {
  id: string;
  name: string;
  realName: string;
  email?: string;
  tz?: string;
  isBot?: boolean;
}

/** What a forced invite did: who is in the channel now, and who Slack refused (with its reason). */
export interface InviteResult {
  invited: string[];
  failed: Array<{ user: string; error: string }>;
}

export interface ModalView {
  callbackId: string;
  title: string;
  submit?: string;
  close?: string;
  blocks: Block[];
  /** Opaque state carried to the submission (ids, never secrets). */
  privateMetadata?: string;
}

/**
 * Slack as the domain sees it, in four narrow ports: a consumer declares the one (or the
 * intersection) it uses in its deps, so a reader sees at a glance what it may do in Slack and a
 * test double needs only those methods. The adapter (src/adapters/slack/chat.ts) and the outbound
 * boundary (src/core/safe-chat.ts) implement all of them: `ChatPort`.
 */
export interface ChatMessages {
  /** Durable, paced (per-channel rate), retried: never dropped, survives a restart. */
  post(msg: PostMessage): Promise<void>;
  /** Replace a keyed message's content; rapid updates coalesce to the latest state. */
  update(key: string, content: MessageContent): Promise<void>;
  pin(key: string): Promise<void>;
  /** Where a keyed message landed, once delivered. */
  messageRef(key: string): Promise<MessageRef | null>;
  /** Immediate (not queued): only the user sees it. */
  ephemeral(channel: string, user: string, content: MessageContent): Promise<void>;
}

/** Channels: create them, bring people in, and read what people wrote there. */
export interface ChatConversations {
  /** Throws ConflictError('name_taken') when the name is used. */
  createChannel(name: string, opts?: { isPrivate?: boolean }): Promise<{ id: string; name: string }>;
  /**
   * Invites everyone who can be invited; a user Slack refuses (a guest, a departed user) is
   * reported in `failed` instead of failing the others. Channel or token problems still throw.
   */
  invite(channel: string, users: string[]): Promise<InviteResult>;
  setTopic(channel: string, topic: string): Promise<void>;
  setPurpose(channel: string, purpose: string): Promise<void>;
  addBookmark(channel: string, title: string, link: string): Promise<void>;
  channelName(channel: string): Promise<string | null>;
  /** Text of a message people wrote (for a reaction that copies it somewhere); null if gone. */
  messageText(channel: string, ts: string): Promise<string | null>;
}

/** Who is who: users and user groups. */
export interface ChatDirectory {
  userInfo(user: string): Promise<ChatUser | null>;
  lookupByEmail(email: string): Promise<string | null>;
  usergroupMembers(usergroupId: string): Promise<string[]>;
}

/** Modals and the App Home. */
export interface ChatViews {
  /** Needs a trigger id less than 3 s old; returns the view id. */
  openModal(triggerId: string, view: ModalView): Promise<string>;
  updateModal(viewId: string, view: ModalView): Promise<void>;
  publishHome(user: string, blocks: Block[]): Promise<void>;
}

/** Everything, for the adapter, the boundary and AppContext; consumers take a narrow port above. */
export type ChatPort = ChatMessages & ChatConversations & ChatDirectory & ChatViews;
