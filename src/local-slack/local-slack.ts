// LocalSlack: drives the bot the way Slack does (signed slash commands, interactivity and events).
import { addReaction } from './api-chat.js';
import { LocalSlackBase } from './base.js';
import { decodeView } from './blocks.js';
import {
  deliver,
  eventCallback,
  findButton,
  messageAction,
  messageBlockActions,
  slashCommandForm,
  viewBlockActions,
  viewClosed,
  viewSubmission,
} from './payloads.js';
import type { Delivery } from './payloads.js';
import { applyResponse } from './respond.js';
import { randomId } from './state.js';
import type { Channel, LocalSlackOptions, View } from './types.js';
import { buildStateValues } from './view-state.js';
import type { InputValues } from './view-state.js';
import { closeView, openView, replaceView } from './views.js';

export interface SlashCommandInput {
  user: string;
  channel: string;
  command: string;
  text: string;
  triggerId?: string;
  retryNum?: number;
  /** unix seconds, to forge old requests */
  timestamp?: number;
  /** to forge a bad signature */
  signature?: string;
}

export type PressButtonInput =
  | { user: string; channel: string; ts: string; actionId: string; value?: string; retryNum?: number }
  | { user: string; viewId: string; actionId: string; value?: string };

export type EventResult = Delivery & { eventId: string };

export class LocalSlack extends LocalSlackBase {
  private requireChannel(ref: string): Channel {
    const ch = this.ws.channel(ref) ?? (/^[UW]/.test(ref) && this.ws.user(ref) ? this.ws.imFor(ref) : undefined);
    if (!ch) throw new Error(`local-slack: unknown channel ${ref}`);
    return ch;
  }

  private requireUser(id: string): void {
    if (!this.ws.user(id)) throw new Error(`local-slack: unknown user ${id}`);
  }

  private requireView(viewId: string, user: string): View {
    const view = this.ws.views.get(viewId);
    if (!view) throw new Error(`local-slack: unknown view ${viewId}`);
    if (view.type === 'modal' && !view.open) throw new Error(`local-slack: view ${viewId} is closed`);
    if (view.user !== user) throw new Error(`local-slack: view ${viewId} belongs to ${view.user}, not ${user}`);
    return view;
  }

  private post(
    body: string,
    json: boolean,
    extra: { retryNum?: number; retryReason?: string; timestamp?: number; signature?: string } = {},
  ) {
    // A bot connected over Socket Mode gets the same bodies as envelopes (no signature there).
    if (this.socketMode.connections > 0) return this.socketMode.deliver(body, json, extra);
    return deliver({
      url: this.botUrl,
      signingSecret: this.opts.signingSecret,
      body,
      contentType: json ? 'application/json' : 'application/x-www-form-urlencoded',
      timestamp: extra.timestamp ?? Math.floor(this.ws.now() / 1000),
      ...(extra.signature !== undefined ? { signature: extra.signature } : {}),
      ...(extra.retryNum !== undefined ? { retryNum: extra.retryNum, retryReason: extra.retryReason ?? 'http_timeout' } : {}),
    });
  }

  private interactive(payload: unknown, retryNum?: number): Promise<Delivery> {
    const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
    return this.post(body, false, retryNum !== undefined ? { retryNum } : {});
  }

  private trigger(user: string, given?: string): string {
    if (given && !this.ws.triggers.has(given)) this.ws.triggers.set(given, { user, at: this.ws.now(), used: false });
    return given ?? this.ws.issueTrigger(user);
  }

  /** A signed slash command. A JSON/text body in the bot's ack is shown like Slack does (ephemeral or in_channel). */
  async slashCommand(o: SlashCommandInput): Promise<Delivery & { triggerId: string; responseUrl: string }> {
    this.requireUser(o.user);
    const channel = this.requireChannel(o.channel);
    const triggerId = this.trigger(o.user, o.triggerId);
    const responseUrl = this.ws.issueResponseUrl(this.url, { channel: channel.id, user: o.user });
    const body = slashCommandForm(this.ws, { user: o.user, channel, command: o.command, text: o.text, triggerId, responseUrl });
    const res = await this.post(body, false, {
      ...(o.retryNum !== undefined ? { retryNum: o.retryNum } : {}),
      ...(o.timestamp !== undefined ? { timestamp: o.timestamp } : {}),
      ...(o.signature !== undefined ? { signature: o.signature } : {}),
    });
    if (res.status === 200 && res.body.trim()) {
      let ack: Record<string, unknown>;
      try {
        ack = JSON.parse(res.body) as Record<string, unknown>;
      } catch {
        ack = { text: res.body };
      }
      applyResponse(this.ws, { channel: channel.id, user: o.user }, ack, 'ack');
    }
    return { ...res, triggerId, responseUrl };
  }

  /** A block_actions button press on a stored message, an ephemeral of that user, or an open view. */
  async pressButton(o: PressButtonInput): Promise<Delivery> {
    this.requireUser(o.user);
    const triggerId = this.trigger(o.user);
    if ('viewId' in o) {
      const view = this.requireView(o.viewId, o.user);
      const found = findButton(view.blocks, o.actionId, o.value);
      return this.interactive(viewBlockActions(this.ws, { user: o.user, view, found, triggerId }));
    }
    const channel = this.requireChannel(o.channel);
    const message = this.ws.findMessage(channel.id, o.ts);
    const eph = message ? undefined : this.ws.ephemerals.find((e) => e.ts === o.ts && e.channel === channel.id && !e.deleted);
    if (eph && eph.user !== o.user) throw new Error(`local-slack: ephemeral ${o.ts} is only visible to ${eph.user}`);
    const source = message ?? (eph ? { ...eph, user: this.opts.botUserId } : undefined);
    if (!source) throw new Error(`local-slack: no message ${o.ts} in ${channel.id}`);
    const found = findButton(source.blocks, o.actionId, o.value);
    const responseUrl = this.ws.issueResponseUrl(this.url, {
      channel: channel.id,
      user: o.user,
      sourceTs: o.ts,
      sourceEphemeral: !message,
      ...(source.thread_ts ? { threadTs: source.thread_ts } : {}),
    });
    const payload = messageBlockActions(this.ws, {
      user: o.user,
      channel,
      message: source,
      ephemeral: !message,
      found,
      triggerId,
      responseUrl,
    });
    return this.interactive(payload, o.retryNum);
  }

  /** view_submission; the bot's response_action (errors/update/push/clear) is applied, none closes the view. */
  async submitView(o: { user: string; viewId: string; values: InputValues }): Promise<Delivery & { json?: unknown }> {
    const view = this.requireView(o.viewId, o.user);
    if (view.type !== 'modal') throw new Error(`local-slack: view ${o.viewId} is not a modal`);
    const values = buildStateValues(view, o.values);
    view.state = { values };
    const res = await this.interactive(viewSubmission(this.ws, { user: o.user, view, values, triggerId: this.trigger(o.user) }));
    let json: Record<string, unknown> | undefined;
    if (res.body.trim()) {
      try {
        json = JSON.parse(res.body) as Record<string, unknown>;
      } catch {
        json = undefined;
      }
    }
    if (res.status !== 200) return { ...res, ...(json ? { json } : {}) }; // Slack keeps the modal open and shows an error
    const action = json?.response_action;
    if (action === 'update') replaceView(this.ws, view, decodeView(json?.view, 'modal'));
    else if (action === 'push') openView(this.ws, decodeView(json?.view, 'modal'), o.user, view);
    else if (action === 'clear') closeView(this.ws, view, true);
    else if (action !== 'errors') closeView(this.ws, view);
    if (action === 'errors') this.emit('view_errors', { view, errors: json?.errors });
    return { ...res, ...(json ? { json } : {}) };
  }

  /** The user closes (cancels) a modal; view_closed is sent only when the view asked for notify_on_close. */
  async closeView(o: { user: string; viewId: string }): Promise<Delivery | undefined> {
    const view = this.requireView(o.viewId, o.user);
    closeView(this.ws, view);
    if (!view.notify_on_close) return undefined;
    return this.interactive(viewClosed(this.ws, { user: o.user, view }));
  }

  async messageShortcut(o: {
    user: string;
    channel: string;
    ts: string;
    callbackId: string;
  }): Promise<Delivery & { triggerId: string; responseUrl: string }> {
    this.requireUser(o.user);
    const channel = this.requireChannel(o.channel);
    const message = this.ws.findMessage(channel.id, o.ts);
    if (!message) throw new Error(`local-slack: no message ${o.ts} in ${channel.id}`);
    const triggerId = this.trigger(o.user);
    const responseUrl = this.ws.issueResponseUrl(this.url, {
      channel: channel.id,
      user: o.user,
      ...(message.thread_ts ? { threadTs: message.thread_ts } : {}),
    });
    const res = await this.interactive(
      messageAction(this.ws, { user: o.user, channel, message, callbackId: o.callbackId, triggerId, responseUrl }),
    );
    return { ...res, triggerId, responseUrl };
  }

  /** An Events API event_callback (JSON). */
  async sendEvent(
    event: Record<string, unknown>,
    o: { eventId?: string; retryNum?: number; retryReason?: string } = {},
  ): Promise<EventResult> {
    const eventId = o.eventId ?? randomId('Ev');
    const body = JSON.stringify(eventCallback(this.ws, event, eventId));
    const res = await this.post(body, true, {
      ...(o.retryNum !== undefined ? { retryNum: o.retryNum } : {}),
      ...(o.retryReason !== undefined ? { retryReason: o.retryReason } : {}),
    });
    return { ...res, eventId };
  }

  /** Stores a message by `user` mentioning the bot (prefixed with <@bot> unless present) and sends app_mention. */
  async appMention(user: string, channel: string, text: string, threadTs?: string): Promise<EventResult & { ts: string }> {
    const mention = `<@${this.opts.botUserId}>`;
    const full = text.includes(mention) ? text : `${mention} ${text}`;
    const msg = this.postAsUser(user, channel, full, threadTs);
    const res = await this.sendEvent({
      type: 'app_mention',
      user,
      text: full,
      ts: msg.ts,
      channel: msg.channel,
      team: this.ws.team.id,
      event_ts: msg.ts,
      ...(msg.thread_ts ? { thread_ts: msg.thread_ts } : {}),
    });
    return { ...res, ts: msg.ts };
  }

  /** Stores a message by `user` and sends a `message` event (as for message.channels / message.im subscriptions). */
  async messageEvent(user: string, channel: string, text: string, threadTs?: string): Promise<EventResult & { ts: string }> {
    const msg = this.postAsUser(user, channel, text, threadTs);
    const ch = this.requireChannel(msg.channel);
    const res = await this.sendEvent({
      type: 'message',
      user,
      text,
      ts: msg.ts,
      channel: ch.id,
      team: this.ws.team.id,
      event_ts: msg.ts,
      channel_type: ch.is_im ? 'im' : ch.is_private ? 'group' : 'channel',
      ...(msg.thread_ts ? { thread_ts: msg.thread_ts } : {}),
    });
    return { ...res, ts: msg.ts };
  }

  async reactionAdded(user: string, channel: string, ts: string, reaction: string): Promise<EventResult> {
    const ch = this.requireChannel(channel);
    const msg = this.ws.findMessage(ch.id, ts);
    if (!msg) throw new Error(`local-slack: no message ${ts} in ${ch.id}`);
    addReaction(msg, reaction, user);
    this.emit('update', msg);
    return this.sendEvent({ type: 'reaction_added', user, reaction, item_user: msg.user, item: { type: 'message', channel: ch.id, ts } });
  }

  async memberJoined(user: string, channel: string): Promise<EventResult> {
    this.requireUser(user);
    const ch = this.requireChannel(channel);
    if (!ch.members.includes(user)) ch.members.push(user);
    return this.sendEvent({
      type: 'member_joined_channel',
      user,
      channel: ch.id,
      channel_type: ch.is_private ? 'G' : 'C',
      team: this.ws.team.id,
    });
  }

  async appHomeOpened(user: string): Promise<EventResult> {
    this.requireUser(user);
    const home = this.homeView(user);
    const { user: _u, open: _o, ...view } = home ?? ({} as Partial<View>);
    return this.sendEvent({ type: 'app_home_opened', user, channel: this.ws.imFor(user).id, tab: 'home', ...(home ? { view } : {}) });
  }
}

export async function startLocalSlack(opts: LocalSlackOptions): Promise<LocalSlack> {
  return new LocalSlack(opts).listen();
}
