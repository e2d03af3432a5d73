import { randomUUID } from 'node:crypto';
import { App, HTTPReceiver, SocketModeReceiver, type App as BoltApp, type RespondFn } from '@slack/bolt';
import type { CommandRouter } from '../../core/commands/router.js';
import type { Reply } from '../../core/commands/spec.js';
import { ConfigError } from '../../core/errors.js';
import type { HomeService } from '../../core/home.js';
import type { InteractionRouter } from '../../core/interactions.js';
import type { SlackEventHandler } from '../../core/module.js';
import type { ChatMessages } from '../../core/ports/chat.js';
import type { OutboundFilter } from '../../core/outbound.js';
import type { Logger } from '../../core/ports/runtime.js';
import type { Metrics } from '../metrics.js';
import { boltLogger } from './bolt-logger.js';
import { viewValues } from './view-values.js';
import { actionBody, eventPayload, shortcutBody } from './payload-shapes.js';

export interface BoltTransportOptions {
  token: string;
  /** HTTP mode only: Socket Mode receives over a WebSocket opened with the app token. */
  signingSecret?: string;
  appToken?: string;
  slackApiUrl?: string;
  botId?: string;
  botUserId?: string;
  commands: CommandRouter;
  interactions: InteractionRouter;
  events: SlackEventHandler[];
  home: HomeService;
  chat: ChatMessages;
  /** The outbound boundary every answer passes (user text made inert, secrets masked). */
  outbound: OutboundFilter;
  metrics: Metrics;
  log: Logger;
}

export interface BoltTransport {
  app: BoltApp;
  /** HTTP mode: handles POST /slack/events (signature checked by Bolt). Undefined in Socket Mode. */
  requestListener?: (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => void;
  start(): Promise<void>;
  stop(): Promise<void>;
}

function toRespond(reply: Reply, outbound: OutboundFilter): Parameters<RespondFn>[0] {
  const safe = reply.revealsSecret && reply.visibility !== 'in_channel' ? outbound.revealed(reply) : outbound.content(reply);
  return {
    response_type: reply.visibility === 'in_channel' ? 'in_channel' : 'ephemeral',
    replace_original: false,
    text: safe.text,
    ...(safe.blocks ? { blocks: safe.blocks as never } : {}),
  };
}

/**
 * Transport only: every listener acks at once, then hands the parsed request to the routers,
 * which are transport-neutral. Answers go back through response_url.
 */
export function createBoltTransport(o: BoltTransportOptions): BoltTransport {
  const logger = boltLogger(o.log);
  const outbound = o.outbound;
  if (!o.appToken && !o.signingSecret)
    throw new ConfigError('Slack over HTTP needs SLACK_SIGNING_SECRET (or set SLACK_APP_TOKEN for Socket Mode).');
  // The Socket Mode client has its own WebClient (it calls apps.connections.open with the app
  // token); SLACK_API_URL must reach it too, through the installer's clientOptions.
  const receiver = o.appToken
    ? new SocketModeReceiver({
        appToken: o.appToken,
        logger,
        ...(o.slackApiUrl ? { installerOptions: { clientOptions: { slackApiUrl: o.slackApiUrl } } } : {}),
      })
    : new HTTPReceiver({ signingSecret: o.signingSecret!, endpoints: '/slack/events', logger, unhandledRequestTimeoutMillis: 2500 });
  const app = new App({
    token: o.token,
    receiver,
    logger,
    ...(o.botId ? { botId: o.botId } : {}),
    ...(o.botUserId ? { botUserId: o.botUserId } : {}),
    clientOptions: { ...(o.slackApiUrl ? { slackApiUrl: o.slackApiUrl } : {}), retryConfig: { retries: 0 }, rejectRateLimitedCalls: true },
  });

  app.command(/.*/, async ({ command, ack, respond }) => {
    const started = performance.now();
    await ack();
    const name = command.command.replace(/^\//, '');
    o.metrics.ackLatency.observe({ command: name }, (performance.now() - started) / 1000);
    o.metrics.requests.inc({ kind: 'command', command: name });
    const reply = await o.commands.dispatch({
      command: command.command,
      text: command.text ?? '',
      userId: command.user_id,
      channelId: command.channel_id,
      triggerId: command.trigger_id,
      requestId: randomUUID(),
      dedupeKey: command.trigger_id,
      respond: (r) => respond(toRespond(r, outbound)).then(() => undefined),
    });
    if (reply) await respond(toRespond(reply, outbound));
  });

  app.action(/.*/, async ({ body, action, ack, respond }) => {
    const started = performance.now();
    await ack();
    const a = action as { action_id: string; value?: string; action_ts?: string; selected_option?: { value: string } };
    o.metrics.ackLatency.observe({ command: 'button' }, (performance.now() - started) / 1000);
    o.metrics.requests.inc({ kind: 'action', command: a.action_id.split('#')[0]! });
    const b = actionBody.parse(body);
    const reply = await o.interactions.action({
      actionId: a.action_id,
      value: a.value ?? a.selected_option?.value ?? '',
      userId: b.user.id,
      requestId: randomUUID(),
      ...(b.trigger_id ? { triggerId: b.trigger_id } : {}),
      ...(b.channel?.id ? { channelId: b.channel.id } : {}),
      ...(b.container?.message_ts ? { messageTs: b.container.message_ts } : {}),
      ...(b.view?.id ? { viewId: b.view.id } : {}),
      dedupeKey: `${b.trigger_id ?? ''}-${a.action_ts ?? ''}-${a.action_id}`,
      respond: async (r) => {
        if (respond && !b.view) await respond(toRespond(r, outbound));
        else await o.chat.post({ channel: b.user.id, ...r });
      },
    });
    if (reply) {
      if (!b.view) await respond(toRespond(reply, outbound));
      else await o.chat.post({ channel: b.user.id, text: reply.text, ...(reply.blocks ? { blocks: reply.blocks } : {}) });
    }
  });

  // Modal submissions are the exception to "ack first": validation errors must travel in the ack.
  app.view(/.*/, async ({ body, view, ack }) => {
    o.metrics.requests.inc({ kind: 'view', command: view.callback_id });
    const result = await o.interactions.view({
      callbackId: view.callback_id,
      viewId: view.id,
      metadata: view.private_metadata ?? '',
      values: viewValues(view.state.values as never),
      userId: body.user.id,
      requestId: randomUUID(),
      ...('trigger_id' in body && typeof body.trigger_id === 'string' ? { triggerId: body.trigger_id } : {}),
      respond: (r) => o.chat.post({ channel: body.user.id, ...r }),
    });
    if (result && 'errors' in result) {
      await ack({
        response_action: 'errors',
        errors: Object.fromEntries(Object.entries(result.errors).map(([k, v]) => [k, outbound.plain(v)])),
      });
      return;
    }
    await ack();
    if (result && 'reply' in result)
      await o.chat.post({
        channel: body.user.id,
        text: result.reply.text,
        ...(result.reply.blocks ? { blocks: result.reply.blocks } : {}),
      });
  });

  app.shortcut(/.*/, async ({ shortcut, ack, respond }) => {
    await ack();
    o.metrics.requests.inc({ kind: 'shortcut', command: shortcut.callback_id });
    const s = shortcutBody.parse(shortcut);
    const reply = await o.interactions.shortcut({
      callbackId: s.callback_id,
      userId: s.user.id,
      triggerId: s.trigger_id,
      requestId: randomUUID(),
      channelId: s.channel?.id ?? '',
      message: {
        ts: s.message?.ts ?? '',
        text: s.message?.text ?? '',
        ...(s.message?.user ? { user: s.message.user } : {}),
        ...(s.message?.thread_ts ? { threadTs: s.message.thread_ts } : {}),
      },
      respond: async (r) => {
        if (respond) await respond(toRespond(r, outbound));
      },
    });
    if (reply && respond) await respond(toRespond(reply, outbound));
  });

  app.event('app_home_opened', async ({ event, body }) => {
    if ((event as { tab?: string }).tab && (event as { tab?: string }).tab !== 'home') return;
    const eventId = (body as { event_id?: string }).event_id ?? randomUUID();
    // Its own de-dup name, so a module listening to app_home_opened as well is not taken for a retry.
    // No view in the event: Slack holds no Home for this user, so publish whatever was remembered.
    const force = !(event as { view?: unknown }).view;
    await o.interactions.event('home-tab', eventId, () => o.home.refresh(event.user, { force }));
  });

  for (const h of o.events) {
    app.event(h.type, async ({ event, body }) => {
      o.metrics.requests.inc({ kind: 'event', command: h.type });
      const eventId = (body as { event_id?: string }).event_id ?? randomUUID();
      // Slack retries events: the core pipeline runs each event id once.
      await o.interactions.event(h.type, eventId, () => h.handle(eventPayload.parse(event), { eventId, log: o.log }));
    });
  }

  app.error(async (err) => {
    o.log.error({ err: (err as Error).message }, 'unhandled error in a Slack listener');
  });

  const httpReceiver = receiver instanceof HTTPReceiver ? receiver : undefined;
  return {
    app,
    ...(httpReceiver ? { requestListener: httpReceiver.requestListener } : {}),
    async start() {
      // HTTP mode: our own server calls requestListener, so only Socket Mode connects here.
      if (!httpReceiver) await app.start();
    },
    async stop() {
      if (!httpReceiver) await app.stop();
    },
  };
}
