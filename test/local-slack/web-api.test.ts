import { webApi } from '@slack/bolt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_SEED_FILE, loadWorkspaceSeed, startLocalSlack } from '../../src/local-slack/index.js';
import type { LocalSlack } from '../../src/local-slack/index.js';

const { WebClient, LogLevel } = webApi;
const silent = { debug() {}, info() {}, warn() {}, error() {}, setLevel() {}, getLevel: () => LogLevel.ERROR, setName() {} };
type WebClient = webApi.WebClient;
type WebAPIPlatformError = webApi.WebAPIPlatformError;
type WebAPIRateLimitedError = webApi.WebAPIRateLimitedError;

const TOKEN = 'xoxb-local-test';
let slack: LocalSlack;
let client: WebClient;
let clock = Date.now();

beforeEach(async () => {
  clock = Date.now();
  slack = await startLocalSlack({
    seed: loadWorkspaceSeed(DEFAULT_SEED_FILE),
    signingSecret: 's3cret',
    botToken: TOKEN,
    botUserId: 'U0BOT',
    botId: 'B0BOT',
    botName: 'switchyard',
    now: () => clock,
  });
  client = new WebClient(TOKEN, { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 }, rejectRateLimitedCalls: true, logger: silent });
});
afterEach(() => slack.close());

async function apiError(p: Promise<unknown>): Promise<string> {
  const err = (await p.then(
    () => undefined,
    (e: unknown) => e,
  )) as WebAPIPlatformError | undefined;
  expect(err, 'expected the call to fail').toBeDefined();
  return err?.data.error ?? '';
}

describe('auth', () => {
  it('answers auth.test for the bot token', async () => {
    const res = await client.auth.test();
    expect(res).toMatchObject({ ok: true, user_id: 'U0BOT', bot_id: 'B0BOT', team_id: 'T0SWITCH', user: 'switchyard' });
  });

  it('rejects a wrong token with invalid_auth and a missing one with not_authed', async () => {
    const wrong = new WebClient('xoxb-wrong', { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 }, logger: silent });
    expect(await apiError(wrong.auth.test())).toBe('invalid_auth');
    const res = await fetch(`${slack.apiUrl}auth.test`, { method: 'POST' });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: false, error: 'not_authed' });
  });

  it('answers unknown_method', async () => {
    expect(await apiError(client.apiCall('chat.teleport', { channel: 'C0GENERAL' }))).toBe('unknown_method');
  });
});

describe('chat', () => {
  it('posts, threads and updates messages with blocks that arrive JSON-encoded', async () => {
    const blocks = [{ type: 'section', text: { type: 'mrkdwn', text: '*Deploy* checkout' } }];
    const root = await client.chat.postMessage({ channel: 'C0DEPLOYS', text: 'Deploy checkout', blocks });
    expect(root.channel).toBe('C0DEPLOYS');
    expect(root.ts).toMatch(/^\d{10}\.\d{6}$/);
    expect(root.message?.bot_id).toBe('B0BOT');
    const reply = await client.chat.postMessage({ channel: 'C0DEPLOYS', text: 'step 1 ok', thread_ts: root.ts! });
    const reply2 = await client.chat.postMessage({ channel: 'C0DEPLOYS', text: 'step 2 ok', thread_ts: reply.ts! });
    expect(Number(reply2.ts)).toBeGreaterThan(Number(reply.ts));

    expect(slack.messages('C0DEPLOYS').map((m) => m.text)).toEqual(['Deploy checkout']);
    const thread = slack.messages('deploys', { threadTs: root.ts! });
    expect(thread.map((m) => m.text)).toEqual(['Deploy checkout', 'step 1 ok', 'step 2 ok']);
    expect(thread[2]?.thread_ts).toBe(root.ts); // a reply to a reply lands in the root thread
    expect(slack.message('C0DEPLOYS', root.ts!)).toMatchObject({ reply_count: 2, thread_ts: root.ts });
    expect(slack.messages('C0DEPLOYS')[0]?.blocks?.[0]).toMatchObject({ type: 'section', block_id: expect.any(String) });
    expect(slack.calls('chat.postMessage')[0]?.args.blocks).toEqual(blocks);

    const upd = await client.chat.update({ channel: 'C0DEPLOYS', ts: root.ts!, text: 'Deployed checkout' });
    expect(upd.ts).toBe(root.ts);
    expect(slack.message('C0DEPLOYS', root.ts!)).toMatchObject({ text: 'Deployed checkout', edited: true });
    expect(slack.message('C0DEPLOYS', root.ts!)?.blocks).toHaveLength(1); // blocks kept when not given

    const replies = await client.conversations.replies({ channel: 'C0DEPLOYS', ts: root.ts! });
    expect(replies.messages?.map((m) => m.text)).toEqual(['Deployed checkout', 'step 1 ok', 'step 2 ok']);
    const history = await client.conversations.history({ channel: 'C0DEPLOYS', limit: 10 });
    expect(history.messages).toHaveLength(1);
    expect(history.messages?.[0]?.edited).toMatchObject({ user: 'U0BOT' });
  });

  it('reports message_not_found, channel_not_found, thread_not_found and invalid_blocks', async () => {
    expect(await apiError(client.chat.update({ channel: 'C0DEPLOYS', ts: '1.000001', text: 'x' }))).toBe('message_not_found');
    expect(await apiError(client.chat.postMessage({ channel: 'C0NOPE', text: 'x' }))).toBe('channel_not_found');
    expect(await apiError(client.chat.postMessage({ channel: 'C0DEPLOYS', text: 'x', thread_ts: '1.000001' }))).toBe('thread_not_found');
    const tooLong = [
      { type: 'actions', elements: [{ type: 'button', text: { type: 'plain_text', text: 'x'.repeat(76) }, action_id: 'a' }] },
    ];
    const err = await client.chat.postMessage({ channel: 'C0DEPLOYS', text: 'x', blocks: tooLong }).catch((e: WebAPIPlatformError) => e);
    expect((err as WebAPIPlatformError).data.error).toBe('invalid_blocks');
    expect((err as WebAPIPlatformError).data.response_metadata?.messages?.[0]).toContain('/blocks/0/elements/0/text');
  });

  it('posts to a user id as the DM with that user', async () => {
    const res = await client.chat.postMessage({ channel: 'U0CAROL', text: 'please approve' });
    expect(res.channel).toMatch(/^D/);
    expect(slack.channel(res.channel!)).toMatchObject({ is_im: true, user: 'U0CAROL' });
    const open = await client.conversations.open({ users: 'U0CAROL' });
    expect(open.channel?.id).toBe(res.channel);
    expect(slack.messages(res.channel!)[0]?.text).toBe('please approve');
  });

  it('stores ephemerals and refuses users outside the channel', async () => {
    const res = await client.chat.postEphemeral({ channel: 'C0DEPLOYS', user: 'U0BOB', text: 'only you' });
    expect(res.message_ts).toBeDefined();
    expect(slack.ephemerals('U0BOB')).toMatchObject([{ channel: 'C0DEPLOYS', text: 'only you', via: 'chat.postEphemeral' }]);
    expect(await apiError(client.chat.postEphemeral({ channel: 'C0NOC', user: 'U0GRACE', text: 'x' }))).toBe('user_not_in_channel');
  });
});

describe('conversations', () => {
  it('creates channels with Slack name rules and name_taken', async () => {
    const res = await client.conversations.create({ name: 'inc-42-checkout-latency' });
    expect(res.channel).toMatchObject({ name: 'inc-42-checkout-latency', is_private: false, is_member: true });
    expect(await apiError(client.conversations.create({ name: 'inc-42-checkout-latency' }))).toBe('name_taken');
    expect(await apiError(client.conversations.create({ name: 'general' }))).toBe('name_taken');
    expect(await apiError(client.conversations.create({ name: 'Has Caps' }))).toBe('invalid_name_specials');
    expect(await apiError(client.conversations.create({ name: 'x'.repeat(81) }))).toBe('invalid_name_maxlength');
    const priv = await client.conversations.create({ name: 'secret_room', is_private: true });
    expect(slack.channel('secret_room')).toMatchObject({ is_private: true, members: ['U0BOT'] });
    expect(priv.channel?.id).toMatch(/^C/);
  });

  it('invites users: already_in_channel only when all are in, user_not_found for strangers', async () => {
    const { channel } = await client.conversations.create({ name: 'inc-7' });
    const id = channel!.id!;
    await client.conversations.invite({ channel: id, users: 'U0ERIN,U0ALICE' });
    await client.conversations.invite({ channel: id, users: 'U0ERIN,U0BOB' });
    expect(slack.channel(id)?.members).toEqual(['U0BOT', 'U0ERIN', 'U0ALICE', 'U0BOB']);
    expect(await apiError(client.conversations.invite({ channel: id, users: 'U0ERIN,U0BOB' }))).toBe('already_in_channel');
    expect(await apiError(client.conversations.invite({ channel: id, users: 'U0NOBODY' }))).toBe('user_not_found');
    const members = await client.conversations.members({ channel: id });
    expect(members.members).toContain('U0BOB');
  });

  it('sets topic and purpose, pins and bookmarks', async () => {
    const { channel } = await client.conversations.create({ name: 'inc-8' });
    const id = channel!.id!;
    await client.conversations.setTopic({ channel: id, topic: 'SEV2: checkout latency' });
    await client.conversations.setPurpose({ channel: id, purpose: 'Incident 8' });
    const info = await client.conversations.info({ channel: id });
    expect(info.channel?.topic?.value).toBe('SEV2: checkout latency');
    expect(info.channel?.purpose?.value).toBe('Incident 8');
    const msg = await client.chat.postMessage({ channel: id, text: 'summary' });
    await client.pins.add({ channel: id, timestamp: msg.ts! });
    expect(await apiError(client.pins.add({ channel: id, timestamp: msg.ts! }))).toBe('already_pinned');
    expect(slack.pins(id)).toEqual([msg.ts]);
    await client.bookmarks.add({ channel_id: id, title: 'Runbook', type: 'link', link: 'https://runbooks.example.com/checkout' });
    expect(slack.bookmarks(id)).toMatchObject([{ title: 'Runbook', link: 'https://runbooks.example.com/checkout' }]);
  });
});

describe('users and usergroups', () => {
  it('looks users up', async () => {
    expect((await client.users.info({ user: 'U0ALICE' })).user?.profile?.email).toBe('alice@example.com');
    expect((await client.users.lookupByEmail({ email: 'carol@example.com' })).user?.id).toBe('U0CAROL');
    expect(await apiError(client.users.lookupByEmail({ email: 'nobody@example.com' }))).toBe('users_not_found');
    expect((await client.usergroups.users.list({ usergroup: 'S0APPROVERS' })).users).toEqual(['U0CAROL', 'U0DAVE']);
    expect(await apiError(client.usergroups.users.list({ usergroup: 'S0NOPE' }))).toBe('no_such_subteam');
  });
});

describe('failNext', () => {
  it('answers HTTP 429 with Retry-After, then works again', async () => {
    slack.failNext('chat.postMessage', { status: 429, retryAfter: 7 });
    const err = (await client.chat.postMessage({ channel: 'C0GENERAL', text: 'hi' }).catch((e: unknown) => e)) as WebAPIRateLimitedError;
    expect(err.code).toBe('slack_webapi_rate_limited_error');
    expect(err.retryAfter).toBe(7);
    const raw = await fetch(`${slack.apiUrl}chat.postMessage`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } });
    expect(raw.status).toBe(200); // only once
    slack.failNext('conversations.create', { error: 'restricted_action' }, 2);
    expect(await apiError(client.conversations.create({ name: 'a1' }))).toBe('restricted_action');
    expect(await apiError(client.conversations.create({ name: 'a1' }))).toBe('restricted_action');
    expect((await client.conversations.create({ name: 'a1' })).ok).toBe(true);
  });
});

describe('views', () => {
  const modal = { type: 'modal' as const, callback_id: 'cb', title: { type: 'plain_text' as const, text: 'Hello' }, blocks: [] };

  it('accepts only trigger_ids it issued, within 3 seconds, once', async () => {
    expect(await apiError(client.views.open({ trigger_id: '123.456.abc', view: modal }))).toBe('invalid_trigger_id');
    slack.setBotUrl('http://127.0.0.1:9/unused'); // the trigger is issued before delivery fails
    const trig = await slack
      .slashCommand({ user: 'U0ALICE', channel: 'C0GENERAL', command: '/x', text: '', triggerId: '111.222.fresh' })
      .catch(() => undefined);
    expect(trig).toBeUndefined();
    clock += 3500;
    expect(await apiError(client.views.open({ trigger_id: '111.222.fresh', view: modal }))).toBe('expired_trigger_id');
  });

  it('opens, updates and publishes views', async () => {
    slack.setBotUrl('http://127.0.0.1:9/unused');
    await slack.slashCommand({ user: 'U0BOB', channel: 'C0GENERAL', command: '/x', text: '', triggerId: '1.2.ok' }).catch(() => undefined);
    const opened = await client.views.open({ trigger_id: '1.2.ok', view: { ...modal, private_metadata: '{"a":1}' } });
    expect(opened.view?.id).toMatch(/^V/);
    expect(slack.views()[0]).toMatchObject({ user: 'U0BOB', callback_id: 'cb', private_metadata: '{"a":1}', open: true });
    expect(await apiError(client.views.open({ trigger_id: '1.2.ok', view: modal }))).toBe('exchanged_trigger_id');
    await client.views.update({ view_id: opened.view!.id!, view: { ...modal, title: { type: 'plain_text', text: 'Updated' } } });
    expect(slack.views()[0]?.title).toMatchObject({ text: 'Updated' });
    await client.views.publish({
      user_id: 'U0BOB',
      view: { type: 'home', blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'hi' } }] },
    });
    expect(slack.homeView('U0BOB')?.blocks).toHaveLength(1);
  });
});
