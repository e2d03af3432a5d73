// LocalSlackBase: workspace state, the loopback server's lifecycle, and the inspection API for tests and the console.
import { EventEmitter } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { createLocalServer } from './http.js';
import { manifestBotScopes } from './scopes.js';
import { SocketModeServer } from './socket-mode.js';
import { Workspace } from './state.js';
import type { ApiCall, Bookmark, Channel, Ephemeral, Failure, LocalSlackOptions, Message, User, View } from './types.js';

export class LocalSlackBase extends EventEmitter {
  protected readonly ws: Workspace;
  protected readonly server: Server;
  protected readonly socketMode: SocketModeServer;
  protected botUrl: string | undefined;
  private baseUrl = '';
  private readonly failures = new Map<string, Failure[]>();
  private granted: string[];

  constructor(protected readonly opts: LocalSlackOptions) {
    super();
    this.botUrl = opts.botUrl;
    this.granted = [...(opts.scopes ?? manifestBotScopes())];
    this.ws = new Workspace({
      seed: opts.seed,
      botUserId: opts.botUserId,
      botId: opts.botId,
      botName: opts.botName ?? 'bot',
      appId: opts.appId ?? 'A0LOCALAPP',
      now: opts.now ?? Date.now,
      emit: (event, payload) => this.emit(event, payload),
    });
    this.server = createLocalServer({
      ws: this.ws,
      botToken: opts.botToken,
      baseUrl: () => this.baseUrl,
      takeFailure: (m) => this.takeFailure(m),
      scopes: () => this.granted,
      openConnection: (token) => this.socketMode.open(token),
    });
    const { appToken, botToken } = opts;
    this.socketMode = new SocketModeServer({
      server: this.server,
      appToken,
      botToken,
      appId: this.ws.o.appId,
      baseUrl: () => this.baseUrl,
    });
  }

  /** Start listening on 127.0.0.1 (startLocalSlack does this for you). */
  async listen(): Promise<this> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.opts.port ?? 0, '127.0.0.1', () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    const { port } = this.server.address() as AddressInfo;
    this.baseUrl = `http://127.0.0.1:${port}/`;
    return this;
  }

  /** http://127.0.0.1:PORT/ */
  get url(): string {
    return this.baseUrl;
  }

  /** http://127.0.0.1:PORT/api/ : give it to Bolt as clientOptions.slackApiUrl. */
  get apiUrl(): string {
    return `${this.baseUrl}api/`;
  }

  /** The workspace's state itself: for the browser page (ui/) and persistence (persist.ts) of this folder. */
  get workspace(): Workspace {
    return this.ws;
  }

  get botUserId(): string {
    return this.opts.botUserId;
  }

  /** Open Socket Mode connections of the bot; while there is one, requests travel over it instead of HTTP. */
  get socketConnections(): number {
    return this.socketMode.connections;
  }

  /** Slack's connection refresh: a `disconnect` message, after which the app opens a new connection. */
  refreshSocketMode(): void {
    this.socketMode.refresh();
  }

  setBotUrl(url: string): void {
    this.botUrl = url;
  }

  users(): User[] {
    return [...this.ws.users.values()];
  }

  user(id: string): User | undefined {
    return this.ws.user(id);
  }

  /** A user by id, handle ("alice", "@alice") or email. */
  findUser(ref: string): User | undefined {
    const r = ref.replace(/^@/, '').toLowerCase();
    return this.ws.user(ref) ?? this.users().find((u) => u.name === r || u.profile.email?.toLowerCase() === r);
  }

  channels(): Channel[] {
    return [...this.ws.channels.values()];
  }

  channel(idOrName: string): Channel | undefined {
    return this.ws.channel(idOrName);
  }

  /** The DM channel between the bot and a user (created on first use, as conversations.open does). */
  dmChannel(userId: string): Channel {
    return this.ws.imFor(userId);
  }

  /** Oldest first. Default: top-level messages; threadTs: that thread (root first); includeReplies: everything. */
  messages(channelId: string, opts: { threadTs?: string; includeReplies?: boolean } = {}): Message[] {
    const ch = this.ws.channel(channelId);
    if (!ch) return [];
    return this.ws.allMessages(ch.id).filter((m) => {
      if (m.deleted) return false;
      if (opts.threadTs) return m.ts === opts.threadTs || m.thread_ts === opts.threadTs;
      return opts.includeReplies || !m.thread_ts || m.thread_ts === m.ts;
    });
  }

  message(channelId: string, ts: string): Message | undefined {
    const ch = this.ws.channel(channelId);
    return ch ? this.ws.findMessage(ch.id, ts) : undefined;
  }

  ephemerals(userId?: string): Ephemeral[] {
    return this.ws.ephemerals.filter((e) => !e.deleted && (userId === undefined || e.user === userId));
  }

  /** Modals, oldest first (open flag tells whether the user still sees it). */
  views(): View[] {
    return [...this.ws.views.values()].filter((v) => v.type === 'modal');
  }

  view(id: string): View | undefined {
    return this.ws.views.get(id);
  }

  homeView(userId: string): View | undefined {
    const id = this.ws.homes.get(userId);
    return id ? this.ws.views.get(id) : undefined;
  }

  pins(channelId: string): string[] {
    return [...(this.ws.pins.get(this.ws.channel(channelId)?.id ?? channelId) ?? [])];
  }

  bookmarks(channelId: string): Bookmark[] {
    return [...(this.ws.bookmarks.get(this.ws.channel(channelId)?.id ?? channelId) ?? [])];
  }

  /** Web API calls received (and 'response_url' posts), oldest first. */
  calls(method?: string): ApiCall[] {
    return this.ws.calls.filter((c) => method === undefined || c.method === method);
  }

  /** Make the next `times` calls of `method` fail: HTTP 429 + Retry-After, or {ok:false,error}. */
  failNext(method: string, failure: Failure, times = 1): void {
    const list = this.failures.get(method) ?? [];
    for (let i = 0; i < times; i++) list.push(failure);
    this.failures.set(method, list);
  }

  /**
   * Make a seeded user a guest: a single-channel guest (`single_channel`, Slack answers
   * `ura_max_channels` when inviting one already in a channel) or a multi-channel guest.
   */
  makeGuest(userId: string, kind: 'single_channel' | 'multi_channel' = 'single_channel'): void {
    if (!this.ws.user(userId)) throw new Error(`local-slack: unknown user ${userId}`);
    this.ws.guests.set(userId, kind);
  }

  /** Deactivate a user (someone who left): invites answer `user_not_found`, users.info shows deleted. */
  deactivateUser(userId: string): void {
    const u = this.ws.user(userId);
    if (!u) throw new Error(`local-slack: unknown user ${userId}`);
    u.deleted = true;
  }

  /** Every invite of this user is refused with `error` (e.g. cant_invite, user_is_restricted); null lifts it. */
  refuseInvites(userId: string, error: string | null): void {
    if (error) this.ws.inviteRefusals.set(userId, error);
    else this.ws.inviteRefusals.delete(userId);
  }

  /** Scopes the bot token holds (sent as `x-oauth-scopes`). */
  scopes(): string[] {
    return [...this.granted];
  }

  /** Change the token's scopes, as reinstalling the app with another scope list would. */
  setScopes(scopes: readonly string[]): void {
    this.granted = [...scopes];
  }

  /** Take one scope away from the token (e.g. to see `npm run doctor` notice it). */
  dropScope(scope: string): void {
    this.granted = this.granted.filter((s) => s !== scope);
  }

  private takeFailure(method: string): Failure | undefined {
    return this.failures.get(method)?.shift();
  }

  /** Poll fn every 20 ms until it returns a truthy value; throws `message` after timeoutMs (default 10 s). */
  async waitFor<T>(fn: () => T | undefined | false | null, opts: { timeoutMs?: number; message?: string } = {}): Promise<T> {
    const deadline = Date.now() + (opts.timeoutMs ?? 10_000);
    for (;;) {
      const v = fn();
      if (v) return v;
      if (Date.now() > deadline) throw new Error(opts.message ?? `waitFor timed out after ${opts.timeoutMs ?? 10_000} ms`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Store a message written by a human (no event is sent); returns it. */
  postAsUser(user: string, channel: string, text: string, threadTs?: string): Message {
    if (!this.ws.user(user)) throw new Error(`local-slack: unknown user ${user}`);
    const ch = this.ws.channel(channel) ?? (channel === this.opts.botUserId ? this.ws.imFor(user) : undefined);
    if (!ch) throw new Error(`local-slack: unknown channel ${channel}`);
    if ((ch.is_private || ch.is_im) && !ch.members.includes(user)) throw new Error(`local-slack: ${user} is not in ${ch.name}`);
    return this.ws.addMessage({ channel: ch.id, user, text, ...(threadTs ? { thread_ts: threadTs } : {}) });
  }

  async close(): Promise<void> {
    this.socketMode.close();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
