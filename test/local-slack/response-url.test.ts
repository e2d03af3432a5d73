// response_url and the raw wire format of deliveries, seen by a bare HTTP endpoint standing in for the bot.
import { createHmac } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SEED_FILE, loadWorkspaceSeed, startLocalSlack } from '../../src/local-slack/index.js';
import type { LocalSlack } from '../../src/local-slack/index.js';

let slack: LocalSlack;
let bot: Server;
const received: { headers: IncomingHttpHeaders; body: string }[] = [];
let reply = '';

beforeAll(async () => {
  slack = await startLocalSlack({
    seed: loadWorkspaceSeed(DEFAULT_SEED_FILE),
    signingSecret: 'sec',
    botToken: 'xoxb-t',
    botUserId: 'U0BOT',
    botId: 'B0BOT',
  });
  bot = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      res.writeHead(200, reply ? { 'content-type': 'application/json' } : {});
      res.end(reply);
    });
  });
  await new Promise<void>((r) => bot.listen(0, '127.0.0.1', r));
  slack.setBotUrl(`http://127.0.0.1:${(bot.address() as AddressInfo).port}/slack/events`);
});
afterAll(async () => {
  await new Promise((r) => bot.close(r));
  await slack.close();
});

const post = (url: string, body: unknown) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('deliveries', () => {
  it('signs a slash command form with exactly the urlencoded content type and all Slack fields', async () => {
    const res = await slack.slashCommand({ user: 'U0BOB', channel: 'C0DEPLOYS', command: '/deploy', text: 'checkout "v 42"', retryNum: 2 });
    const last = received.at(-1)!;
    expect(last.headers['content-type']).toBe('application/x-www-form-urlencoded');
    const ts = String(last.headers['x-slack-request-timestamp']);
    expect(last.headers['x-slack-signature']).toBe(`v0=${createHmac('sha256', 'sec').update(`v0:${ts}:${last.body}`).digest('hex')}`);
    expect(last.headers['x-slack-retry-num']).toBe('2');
    expect(last.headers['x-slack-retry-reason']).toBe('http_timeout');
    const form = Object.fromEntries(new URLSearchParams(last.body));
    expect(form).toMatchObject({
      command: '/deploy',
      text: 'checkout "v 42"',
      team_id: 'T0SWITCH',
      team_domain: 'switchyard-local',
      channel_id: 'C0DEPLOYS',
      channel_name: 'deploys',
      user_id: 'U0BOB',
      user_name: 'bob',
      response_url: res.responseUrl,
      trigger_id: res.triggerId,
      api_app_id: 'A0LOCALAPP',
    });
  });

  it('sends events as JSON event_callback and interactivity as a payload field', async () => {
    const ev = await slack.reactionAdded('U0ALICE', 'C0GENERAL', slack.postAsUser('U0BOB', 'C0GENERAL', 'ship it').ts, 'eyes');
    const body = JSON.parse(received.at(-1)!.body) as Record<string, unknown>;
    expect(received.at(-1)!.headers['content-type']).toBe('application/json');
    expect(body).toMatchObject({
      type: 'event_callback',
      team_id: 'T0SWITCH',
      api_app_id: 'A0LOCALAPP',
      event_id: ev.eventId,
      event: { type: 'reaction_added', reaction: 'eyes', item_user: 'U0BOB' },
    });
    expect(typeof body.event_time).toBe('number');

    const msg = slack.postAsUser('U0BOB', 'C0GENERAL', 'hello');
    await slack.messageShortcut({ user: 'U0BOB', channel: 'C0GENERAL', ts: msg.ts, callbackId: 'cb' });
    const form = new URLSearchParams(received.at(-1)!.body);
    expect([...form.keys()]).toEqual(['payload']);
    expect(JSON.parse(form.get('payload')!)).toMatchObject({
      type: 'message_action',
      callback_id: 'cb',
      message_ts: msg.ts,
      channel: { id: 'C0GENERAL', name: 'general' },
    });
  });
});

describe('response_url', () => {
  it('ephemeral by default, in_channel as a message, at most 5 uses', async () => {
    const { responseUrl } = await slack.slashCommand({ user: 'U0CAROL', channel: 'C0APPROVALS', command: '/x', text: '' });
    expect((await post(responseUrl, { text: 'just you' })).status).toBe(200);
    expect(slack.ephemerals('U0CAROL').at(-1)).toMatchObject({ channel: 'C0APPROVALS', text: 'just you', via: 'response_url' });
    await post(responseUrl, { text: 'also just you', response_type: 'ephemeral' });
    expect(slack.ephemerals('U0CAROL').at(-1)?.text).toBe('also just you');
    await post(responseUrl, { text: 'everyone', response_type: 'in_channel' });
    expect(slack.messages('C0APPROVALS').at(-1)).toMatchObject({ text: 'everyone', user: 'U0BOT' });
    await post(responseUrl, { text: '4' });
    await post(responseUrl, { text: '5' });
    const sixth = await post(responseUrl, { text: '6' });
    expect(sixth.status).toBe(404);
    expect(await sixth.text()).toBe('used_url');
  });

  it('replace_original and delete_original act on the message a button came from', async () => {
    await post(`${slack.url}api/chat.postMessage`, {}); // unauthenticated: ignored
    const blocks = [
      { type: 'actions', elements: [{ type: 'button', action_id: 'go', value: 'v', text: { type: 'plain_text', text: 'Go' } }] },
    ];
    const res = await fetch(`${slack.apiUrl}chat.postMessage`, {
      method: 'POST',
      headers: { authorization: 'Bearer xoxb-t', 'content-type': 'application/json' },
      body: JSON.stringify({ channel: 'C0GENERAL', text: 'pick', blocks }),
    });
    const { ts } = (await res.json()) as { ts: string };
    await slack.pressButton({ user: 'U0DAVE', channel: 'C0GENERAL', ts, actionId: 'go', value: 'v' });
    const payload = JSON.parse(new URLSearchParams(received.at(-1)!.body).get('payload')!) as { response_url: string; trigger_id: string };
    expect(payload).toMatchObject({
      type: 'block_actions',
      container: { type: 'message', message_ts: ts, channel_id: 'C0GENERAL', is_ephemeral: false },
      channel: { id: 'C0GENERAL' },
      user: { id: 'U0DAVE', username: 'dave' },
      message: { ts, text: 'pick' },
      actions: [{ action_id: 'go', value: 'v', type: 'button', block_id: expect.any(String), action_ts: expect.any(String) }],
    });
    expect(payload.trigger_id).toBeTruthy();
    await post(payload.response_url, { replace_original: true, text: 'picked' });
    expect(slack.message('C0GENERAL', ts)).toMatchObject({ text: 'picked', edited: true });
    await post(payload.response_url, { delete_original: true });
    expect(slack.message('C0GENERAL', ts)).toBeUndefined();
  });

  it('buttons on an ephemeral and on a modal', async () => {
    const api = (method: string, body: unknown) =>
      fetch(`${slack.apiUrl}${method}`, {
        method: 'POST',
        headers: { authorization: 'Bearer xoxb-t', 'content-type': 'application/json' },
        body: JSON.stringify(body),
      }).then((r) => r.json() as Promise<Record<string, unknown>>);
    const blocks = [{ type: 'actions', elements: [{ type: 'button', action_id: 'more', text: { type: 'plain_text', text: 'More' } }] }];
    const { message_ts: ts } = await api('chat.postEphemeral', { channel: 'C0GENERAL', user: 'U0GRACE', text: 'menu', blocks });
    await expect(slack.pressButton({ user: 'U0BOB', channel: 'C0GENERAL', ts: String(ts), actionId: 'more' })).rejects.toThrow(
      /only visible to U0GRACE/,
    );
    const press = await slack.pressButton({ user: 'U0GRACE', channel: 'C0GENERAL', ts: String(ts), actionId: 'more' });
    expect(press.status).toBe(200);
    expect(press.elapsedMs).toBeGreaterThanOrEqual(0);
    const payload = JSON.parse(new URLSearchParams(received.at(-1)!.body).get('payload')!) as {
      response_url: string;
      container: unknown;
      message?: unknown;
    };
    expect(payload.container).toEqual({ type: 'message', message_ts: ts, channel_id: 'C0GENERAL', is_ephemeral: true });
    expect(payload.message).toBeUndefined();
    await post(payload.response_url, { replace_original: true, text: 'menu, expanded' });
    expect(slack.ephemerals('U0GRACE').find((e) => e.ts === ts)?.text).toBe('menu, expanded');

    const { triggerId } = await slack.slashCommand({ user: 'U0GRACE', channel: 'C0GENERAL', command: '/x', text: '' });
    const opened = await api('views.open', {
      trigger_id: triggerId,
      view: { type: 'modal', title: { type: 'plain_text', text: 'M' }, blocks },
    });
    const viewId = (opened.view as { id: string }).id;
    await slack.pressButton({ user: 'U0GRACE', viewId, actionId: 'more' });
    const vp = JSON.parse(new URLSearchParams(received.at(-1)!.body).get('payload')!) as Record<string, unknown>;
    expect(vp).toMatchObject({
      type: 'block_actions',
      container: { type: 'view', view_id: viewId },
      view: { id: viewId },
      actions: [{ action_id: 'more' }],
    });
    expect(vp.response_url).toBeUndefined();
  });

  it('a JSON ack body of a slash command is shown to the user', async () => {
    reply = JSON.stringify({ text: 'usage: /x <thing>' });
    try {
      await slack.slashCommand({ user: 'U0GRACE', channel: 'C0GENERAL', command: '/x', text: '' });
    } finally {
      reply = '';
    }
    expect(slack.ephemerals('U0GRACE').at(-1)).toMatchObject({ text: 'usage: /x <thing>', via: 'ack' });
  });
});
