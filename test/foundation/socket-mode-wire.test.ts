import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { loadWorkspaceSeed, startLocalSlack, type LocalSlack } from '../../src/local-slack/index.js';
import { BOT } from '../support/harness.js';

// The local workspace's Socket Mode from the app's side, with a bare WebSocket client: what
// apps.connections.open accepts, the hello, the envelopes and what an ack's payload does.
const APP_TOKEN = `xapp-1-A0LOCALAPP-${randomBytes(4).toString('hex')}`;
const BOT_TOKEN = 'xoxb-wire-test';

interface Link {
  ws: WebSocket;
  next(): Promise<Record<string, unknown>>;
}

async function openConnection(slack: LocalSlack, token: string): Promise<Record<string, unknown>> {
  const res = await fetch(`${slack.apiUrl}apps.connections.open`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
  return (await res.json()) as Record<string, unknown>;
}

function connect(url: string): Promise<Link> {
  const ws = new WebSocket(url);
  const queue: Array<Record<string, unknown>> = [];
  const waiting: Array<(m: Record<string, unknown>) => void> = [];
  ws.on('message', (data) => {
    const m = JSON.parse(String(data)) as Record<string, unknown>;
    const w = waiting.shift();
    if (w) w(m);
    else queue.push(m);
  });
  const next = () => new Promise<Record<string, unknown>>((resolve) => (queue.length ? resolve(queue.shift()!) : waiting.push(resolve)));
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve({ ws, next }));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`refused: ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

describe('the local workspace speaks Socket Mode', () => {
  let slack: LocalSlack;
  let link: Link;
  beforeAll(async () => {
    slack = await startLocalSlack({
      seed: loadWorkspaceSeed('config/workspace.yml'),
      signingSecret: 'unused',
      botToken: BOT_TOKEN,
      appToken: APP_TOKEN,
      ...BOT,
    });
  });
  afterAll(async () => {
    link?.ws.terminate();
    await slack?.close();
  });

  it('opens a connection only with the app-level token, once per ticket, and says hello', async () => {
    expect(await openConnection(slack, BOT_TOKEN)).toEqual({ ok: false, error: 'not_allowed_token_type' });
    expect(await openConnection(slack, 'xapp-1-someone-else')).toEqual({ ok: false, error: 'invalid_auth' });
    const opened = await openConnection(slack, APP_TOKEN);
    expect(opened.ok).toBe(true);
    const url = String(opened.url);
    expect(url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/link\/\?ticket=[a-f0-9]+&app_id=A0LOCALAPP$/);
    link = await connect(url);
    expect(await link.next()).toMatchObject({ type: 'hello', num_connections: 1, connection_info: { app_id: 'A0LOCALAPP' } });
    expect(slack.socketConnections).toBe(1);
    await expect(connect(url)).rejects.toThrow(/refused: 401/);
  });

  it('sends a slash command as an envelope; the payload of the ack is the immediate reply', async () => {
    const sent = slack.slashCommand({ user: 'U0GRACE', channel: 'C0GENERAL', command: '/switchyard', text: 'ping' });
    const env = await link.next();
    expect(env).toMatchObject({
      type: 'slash_commands',
      accepts_response_payload: true,
      payload: { command: '/switchyard', text: 'ping', user_id: 'U0GRACE', channel_id: 'C0GENERAL' },
    });
    expect(String((env.payload as Record<string, unknown>).response_url)).toContain('/response/');
    link.ws.send(JSON.stringify({ envelope_id: env.envelope_id, payload: { text: 'pong', response_type: 'ephemeral' } }));
    const res = await sent;
    expect(res.status).toBe(200);
    expect(slack.ephemerals('U0GRACE').map((e) => e.text)).toContain('pong');
  });

  it('sends events with their retry attempt; a plain ack answers like an empty 200', async () => {
    const sent = slack.sendEvent({ type: 'app_mention', user: 'U0GRACE', channel: 'C0GENERAL', text: 'hi' }, { retryNum: 2 });
    const env = await link.next();
    expect(env).toMatchObject({
      type: 'events_api',
      accepts_response_payload: false,
      retry_attempt: 2,
      retry_reason: 'http_timeout',
      payload: { type: 'event_callback', event: { type: 'app_mention', text: 'hi' } },
    });
    link.ws.send(JSON.stringify({ envelope_id: env.envelope_id, payload: {} }));
    expect(await sent).toMatchObject({ status: 200, body: '' });
  });

  it('spreads envelopes over the open connections (several web processes), each delivered once', async () => {
    const second = await connect(String((await openConnection(slack, APP_TOKEN)).url));
    expect(await second.next()).toMatchObject({ type: 'hello', num_connections: 2 });
    const sends = [1, 2].map((n) => slack.sendEvent({ type: 'app_mention', user: 'U0GRACE', channel: 'C0GENERAL', text: `n${n}` }));
    const got = [await link.next(), await second.next()];
    expect(got.map((e) => (e.payload as { event: { text: string } }).event.text).sort()).toEqual(['n1', 'n2']);
    for (const [i, l] of [link, second].entries()) l.ws.send(JSON.stringify({ envelope_id: got[i]!.envelope_id }));
    expect((await Promise.all(sends)).map((r) => r.status)).toEqual([200, 200]);
    const closed = new Promise((r) => second.ws.once('close', r));
    second.ws.close(1000);
    await closed;
    await slack.waitFor(() => slack.socketConnections === 1);
  });

  it('asks for a refresh with a disconnect message; without a connection, requests go over HTTP again', async () => {
    slack.refreshSocketMode();
    expect(await link.next()).toMatchObject({ type: 'disconnect', reason: 'refresh_requested' });
    const closed = new Promise((r) => link.ws.once('close', r));
    link.ws.close(1000);
    await closed;
    await slack.waitFor(() => slack.socketConnections === 0);
    // No bot URL was ever given: the HTTP path is the one that refuses.
    await expect(slack.sendEvent({ type: 'app_mention', user: 'U0GRACE', channel: 'C0GENERAL', text: 'hi' })).rejects.toThrow(/botUrl/);
  });
});
