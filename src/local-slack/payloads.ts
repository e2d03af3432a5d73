// Signed delivery to the bot and the request bodies Slack sends (slash commands, interactivity, events).
import { createHmac } from 'node:crypto';
import type { Workspace } from './state.js';
import type { Block, Channel, Message, View } from './types.js';
import { wireMessage, wireView } from './wire.js';

export interface Delivery {
  status: number;
  body: string;
  /** How long the bot took to answer (Slack gives up after 3000 ms). */
  elapsedMs: number;
}

export interface DeliverOptions {
  url: string | undefined;
  signingSecret: string;
  body: string;
  contentType: 'application/x-www-form-urlencoded' | 'application/json';
  /** unix seconds */
  timestamp: number;
  signature?: string;
  retryNum?: number;
  retryReason?: string;
  timeoutMs?: number;
}

export function sign(signingSecret: string, timestamp: number, body: string): string {
  return `v0=${createHmac('sha256', signingSecret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

/** POST like Slack: exact content type, X-Slack-Signature/-Request-Timestamp, retry headers. */
export async function deliver(o: DeliverOptions): Promise<Delivery> {
  if (!o.url) throw new Error('local-slack: botUrl is not set (pass it to startLocalSlack or call setBotUrl)');
  const headers: Record<string, string> = {
    'content-type': o.contentType,
    'x-slack-request-timestamp': String(o.timestamp),
    'x-slack-signature': o.signature ?? sign(o.signingSecret, o.timestamp, o.body),
    'user-agent': 'Slackbot 1.0 (+https://api.slack.com/robots)',
  };
  if (o.retryNum !== undefined) {
    headers['x-slack-retry-num'] = String(o.retryNum);
    headers['x-slack-retry-reason'] = o.retryReason ?? 'http_timeout';
  }
  const started = performance.now();
  const res = await fetch(o.url, { method: 'POST', headers, body: o.body, signal: AbortSignal.timeout(o.timeoutMs ?? 15000) });
  const body = await res.text();
  return { status: res.status, body, elapsedMs: Math.round(performance.now() - started) };
}

export function userRef(ws: Workspace, id: string) {
  const u = ws.user(id);
  return { id, username: u?.name ?? id, name: u?.name ?? id, team_id: ws.team.id };
}

export function channelRef(ch: Channel) {
  return { id: ch.id, name: ch.is_im ? 'directmessage' : ch.name };
}

const teamRef = (ws: Workspace) => ({ id: ws.team.id, domain: ws.team.domain });
const common = (ws: Workspace) => ({
  api_app_id: ws.o.appId,
  token: 'local-verification-token',
  is_enterprise_install: false,
  enterprise: null,
});

export function actionTs(ws: Workspace): string {
  return ws.nextTs();
}

export function slashCommandForm(
  ws: Workspace,
  o: { user: string; channel: Channel; command: string; text: string; triggerId: string; responseUrl: string },
): string {
  const fields: Record<string, string> = {
    token: 'local-verification-token',
    team_id: ws.team.id,
    team_domain: ws.team.domain,
    channel_id: o.channel.id,
    channel_name: channelRef(o.channel).name,
    user_id: o.user,
    user_name: ws.user(o.user)?.name ?? o.user,
    command: o.command,
    text: o.text,
    api_app_id: ws.o.appId,
    is_enterprise_install: 'false',
    response_url: o.responseUrl,
    trigger_id: o.triggerId,
  };
  return new URLSearchParams(fields).toString();
}

export interface FoundButton {
  blockId: string;
  element: Record<string, unknown>;
}

/** The button with this action_id (and value, when given) in section accessories and actions blocks. */
export function findButton(blocks: Block[] | undefined, actionId: string, value?: string): FoundButton {
  const seen: string[] = [];
  for (const b of blocks ?? []) {
    const els = [
      ...(Array.isArray(b.elements) && b.type === 'actions' ? (b.elements as Record<string, unknown>[]) : []),
      ...(b.accessory ? [b.accessory as Record<string, unknown>] : []),
    ];
    for (const el of els) {
      if (el.type !== 'button') continue;
      seen.push(`${String(el.action_id)}${el.value !== undefined ? `=${String(el.value)}` : ''}`);
      if (el.action_id === actionId && (value === undefined || el.value === value)) return { blockId: String(b.block_id), element: el };
    }
  }
  throw new Error(`local-slack: no button ${actionId}${value !== undefined ? `=${value}` : ''} (buttons: ${seen.join(', ') || 'none'})`);
}

function action(ws: Workspace, found: FoundButton) {
  const el = found.element;
  return {
    action_id: el.action_id,
    block_id: found.blockId,
    text: el.text,
    ...(el.value !== undefined ? { value: el.value } : {}),
    ...(el.style ? { style: el.style } : {}),
    ...(el.url ? { url: el.url } : {}),
    type: 'button',
    action_ts: actionTs(ws),
  };
}

export function messageBlockActions(
  ws: Workspace,
  o: {
    user: string;
    channel: Channel;
    message: Message | { ts: string; text: string; blocks?: Block[]; user: string };
    ephemeral: boolean;
    found: FoundButton;
    triggerId: string;
    responseUrl: string;
  },
) {
  return {
    type: 'block_actions',
    user: userRef(ws, o.user),
    ...common(ws),
    container: { type: 'message', message_ts: o.message.ts, channel_id: o.channel.id, is_ephemeral: o.ephemeral },
    trigger_id: o.triggerId,
    team: teamRef(ws),
    channel: channelRef(o.channel),
    ...(o.ephemeral ? {} : { message: wireMessage(o.message as Message) }),
    state: { values: {} },
    response_url: o.responseUrl,
    actions: [action(ws, o.found)],
  };
}

export function viewBlockActions(ws: Workspace, o: { user: string; view: View; found: FoundButton; triggerId: string }) {
  return {
    type: 'block_actions',
    user: userRef(ws, o.user),
    ...common(ws),
    container: { type: 'view', view_id: o.view.id },
    trigger_id: o.triggerId,
    team: teamRef(ws),
    view: wireView(o.view),
    actions: [action(ws, o.found)],
  };
}

export function viewSubmission(ws: Workspace, o: { user: string; view: View; values: Record<string, unknown>; triggerId: string }) {
  return {
    type: 'view_submission',
    team: teamRef(ws),
    user: userRef(ws, o.user),
    ...common(ws),
    trigger_id: o.triggerId,
    view: { ...wireView(o.view), state: { values: o.values } },
    response_urls: [],
  };
}

export function viewClosed(ws: Workspace, o: { user: string; view: View }) {
  return { type: 'view_closed', team: teamRef(ws), user: userRef(ws, o.user), ...common(ws), view: wireView(o.view), is_cleared: false };
}

export function messageAction(
  ws: Workspace,
  o: { user: string; channel: Channel; message: Message; callbackId: string; triggerId: string; responseUrl: string },
) {
  return {
    type: 'message_action',
    ...common(ws),
    action_ts: actionTs(ws),
    team: teamRef(ws),
    user: userRef(ws, o.user),
    channel: channelRef(o.channel),
    callback_id: o.callbackId,
    trigger_id: o.triggerId,
    response_url: o.responseUrl,
    message_ts: o.message.ts,
    message: wireMessage(o.message),
  };
}

export function eventCallback(ws: Workspace, event: Record<string, unknown>, eventId: string) {
  const eventTime = Math.floor(ws.now() / 1000);
  return {
    token: 'local-verification-token',
    team_id: ws.team.id,
    context_team_id: ws.team.id,
    api_app_id: ws.o.appId,
    event: { ...event, event_ts: event.event_ts ?? ws.nextTs() },
    type: 'event_callback',
    event_id: eventId,
    event_time: eventTime,
    authorizations: [{ enterprise_id: null, team_id: ws.team.id, user_id: ws.o.botUserId, is_bot: true, is_enterprise_install: false }],
    is_ext_shared_channel: false,
    event_context: `4-local-${eventId}`,
  };
}
