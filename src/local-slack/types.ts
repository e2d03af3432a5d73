// Shapes used by the local Slack workspace. Wire objects follow Slack's field names so that a
// Bolt app sees what it would see from slack.com; a few fake-only fields are marked as such.

export interface SeedUser {
  id: string; // U...
  name: string; // handle, e.g. "alice"
  real_name: string;
  email: string;
  tz?: string;
  title?: string; // Slack profile title (free text)
  is_bot?: boolean;
}

export interface SeedUsergroup {
  id: string; // S...
  handle: string; // without "@"
  name: string;
  users: string[];
}

export interface SeedChannel {
  id: string; // C... (public) or G.../C... (private)
  name: string;
  is_private?: boolean;
  members: string[];
  topic?: string;
  purpose?: string;
  /** Whether the bot user is already a member. Default true (a workspace prepared for the bot). */
  bot_member?: boolean;
}

export interface WorkspaceSeed {
  team: { id: string; name: string };
  users: SeedUser[];
  usergroups: SeedUsergroup[];
  channels: SeedChannel[];
}

export interface User {
  id: string;
  team_id: string;
  name: string;
  real_name: string;
  tz: string;
  is_bot: boolean;
  deleted: boolean;
  profile: { email?: string; real_name: string; display_name: string; title: string };
}

export interface Channel {
  id: string;
  name: string;
  is_channel: boolean;
  is_group: boolean;
  is_im: boolean;
  is_private: boolean;
  is_archived: boolean;
  created: number;
  creator: string;
  /** For DMs (is_im): the human on the other side. */
  user?: string;
  members: string[];
  topic: { value: string; creator: string; last_set: number };
  purpose: { value: string; creator: string; last_set: number };
}

export type Block = Record<string, unknown>;

export interface Reaction {
  name: string;
  users: string[];
  count: number;
}

export interface Message {
  type: 'message';
  channel: string;
  ts: string;
  thread_ts?: string;
  user: string;
  text: string;
  blocks?: Block[];
  attachments?: unknown[];
  metadata?: unknown;
  /** true once chat.update touched it (on the wire Slack sends {user, ts}). */
  edited?: boolean;
  edited_ts?: string;
  bot_id?: string;
  app_id?: string;
  reply_count?: number;
  reply_users?: string[];
  latest_reply?: string;
  reactions?: Reaction[];
  /** fake-only: set by chat.delete / delete_original. */
  deleted?: boolean;
  /** Files shared with the message (files.completeUploadExternal). */
  files?: LocalFile[];
}

export interface Ephemeral {
  channel: string;
  /** The only user who sees it. */
  user: string;
  ts: string;
  thread_ts?: string;
  text: string;
  blocks?: Block[];
  /** How it got there: chat.postEphemeral, a response_url post, or a slash command's HTTP ack body. */
  via: 'chat.postEphemeral' | 'response_url' | 'ack';
  /** fake-only: replaced/deleted through a response_url of an action on this ephemeral. */
  deleted?: boolean;
}

export interface View {
  id: string; // V...
  team_id: string;
  app_id: string;
  bot_id: string;
  type: 'modal' | 'home';
  /** The user who opened it (trigger user) or whose Home tab it is. */
  user: string;
  callback_id: string;
  private_metadata: string;
  external_id: string;
  title?: unknown;
  submit?: unknown;
  close?: unknown;
  notify_on_close: boolean;
  clear_on_close: boolean;
  blocks: Block[];
  state: { values: Record<string, Record<string, Record<string, unknown>>> };
  hash: string;
  root_view_id: string;
  previous_view_id: string | null;
  /** fake-only: still shown to the user (modals); closed by submit, cancel, or clear. */
  open: boolean;
}

export interface Bookmark {
  id: string;
  channel_id: string;
  title: string;
  link: string;
  type: string;
  emoji?: string;
}

export interface ApiCall {
  method: string;
  args: Record<string, unknown>;
  at: number;
}

export type Failure = { status: 429; retryAfter: number } | { error: string };

export interface LocalSlackOptions {
  seed: WorkspaceSeed;
  signingSecret: string;
  botToken: string;
  /** App-level token (xapp-…): with it the workspace also serves Socket Mode (apps.connections.open). */
  appToken?: string;
  botUserId: string;
  botId: string;
  /** 0/undefined = random free port on 127.0.0.1 */
  port?: number;
  /** Where signed requests go, e.g. http://127.0.0.1:3000/slack/events; can be set later. */
  botUrl?: string;
  /** Bot user handle (default "bot"). */
  botName?: string;
  /** api_app_id sent in payloads (default A0LOCALAPP). */
  appId?: string;
  /** Clock in ms (default Date.now): drives ts values, trigger_id and response_url expiry, signatures. */
  now?: () => number;
  /** Scopes of the bot token, sent as `x-oauth-scopes` (default: manifest.yml's bot scopes). */
  scopes?: string[];
}

export class ApiError extends Error {
  constructor(
    readonly code: string,
    readonly messages?: string[],
  ) {
    super(code);
  }
}

/** A file shared with files.completeUploadExternal (src/local-slack/api-files.ts). */
export interface LocalFile {
  id: string;
  name: string;
  title: string;
  mimetype: string;
  size: number;
  alt_txt?: string;
  url_private: string;
}
