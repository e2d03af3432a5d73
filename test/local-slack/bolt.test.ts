// The local workspace against a real Bolt app in HTTP mode: signatures, slash commands, buttons,
// modals, events and shortcuts are accepted by Bolt, and the bot's answers land in the fake's state.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App, LogLevel } from '@slack/bolt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SEED_FILE, loadWorkspaceSeed, startLocalSlack } from '../../src/local-slack/index.js';
import type { LocalSlack } from '../../src/local-slack/index.js';

const TOKEN = 'xoxb-bolt-test';
const SECRET = 'bolt-signing-secret';
let slack: LocalSlack;
let app: App;
const seen: { mentions: { text: string; retryNum?: number }[]; shortcuts: string[]; submissions: unknown[]; closed: string[] } = {
  mentions: [],
  shortcuts: [],
  submissions: [],
  closed: [],
};

const approvalBlocks = [
  { type: 'section', text: { type: 'mrkdwn', text: 'Deploy *checkout* to prod?' } },
  {
    type: 'actions',
    block_id: 'decision',
    elements: [
      { type: 'button', action_id: 'approve', value: 'req-1', style: 'primary', text: { type: 'plain_text', text: 'Approve' } },
      { type: 'button', action_id: 'reject', value: 'req-1', style: 'danger', text: { type: 'plain_text', text: 'Reject' } },
    ],
  },
];

const formView = {
  type: 'modal' as const,
  callback_id: 'ticket',
  notify_on_close: true,
  private_metadata: 'ctx-9',
  title: { type: 'plain_text' as const, text: 'New ticket' },
  submit: { type: 'plain_text' as const, text: 'Create' },
  blocks: [
    {
      type: 'input',
      block_id: 'title',
      label: { type: 'plain_text', text: 'Title' },
      element: { type: 'plain_text_input', action_id: 't' },
    },
    {
      type: 'input',
      block_id: 'sev',
      label: { type: 'plain_text', text: 'Severity' },
      element: {
        type: 'static_select',
        action_id: 's',
        options: ['sev1', 'sev2'].map((v) => ({ text: { type: 'plain_text', text: v.toUpperCase() }, value: v })),
      },
    },
    {
      type: 'input',
      block_id: 'owner',
      optional: true,
      label: { type: 'plain_text', text: 'Owner' },
      element: { type: 'users_select', action_id: 'u' },
    },
  ],
};

beforeAll(async () => {
  slack = await startLocalSlack({
    seed: loadWorkspaceSeed(DEFAULT_SEED_FILE),
    signingSecret: SECRET,
    botToken: TOKEN,
    botUserId: 'U0BOT',
    botId: 'B0BOT',
  });
  app = new App({
    token: TOKEN,
    signingSecret: SECRET,
    botId: 'B0BOT',
    botUserId: 'U0BOT',
    logLevel: LogLevel.ERROR,
    clientOptions: { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 } },
  });
  app.command('/deploy', async ({ ack, respond, say, command }) => {
    await ack();
    await respond({ text: `Deploying ${command.text}…` });
    await say({ text: 'Approve deploy?', blocks: approvalBlocks });
  });
  app.command('/inline', async ({ ack }) => ack({ response_type: 'in_channel', text: 'everyone sees this' }));
  app.command('/ticket', async ({ ack, client, body }) => {
    await ack();
    await client.views.open({ trigger_id: body.trigger_id, view: formView });
  });
  app.action('approve', async ({ ack, respond, body }) => {
    await ack();
    await respond({ replace_original: true, text: `Approved by <@${body.user.id}>` });
  });
  app.view('ticket', async ({ ack, view }) => {
    const title = view.state.values.title?.t?.value ?? '';
    if (title.length < 3) return ack({ response_action: 'errors', errors: { title: 'Too short' } });
    seen.submissions.push({ values: view.state.values, meta: view.private_metadata });
    await ack();
  });
  app.view({ callback_id: 'ticket', type: 'view_closed' }, async ({ ack, view }) => {
    await ack();
    seen.closed.push(view.id);
  });
  app.event('app_mention', async ({ event, say, context }) => {
    seen.mentions.push({ text: event.text, ...(context.retryNum !== undefined ? { retryNum: context.retryNum } : {}) });
    await say({ text: 'hello there', thread_ts: event.ts });
  });
  app.shortcut('make_ticket', async ({ ack, shortcut }) => {
    await ack();
    seen.shortcuts.push(shortcut.type === 'message_action' ? shortcut.message.ts : '');
  });
  const server = (await app.start({ port: 0, host: '127.0.0.1' })) as Server;
  slack.setBotUrl(`http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events`);
});
afterAll(async () => {
  await app.stop();
  await slack.close();
});

describe('signatures', () => {
  it('Bolt accepts a correctly signed slash command', async () => {
    const res = await slack.slashCommand({ user: 'U0BOB', channel: 'C0DEPLOYS', command: '/deploy', text: 'checkout v42' });
    expect(res.status).toBe(200);
    expect(res.responseUrl).toMatch(new RegExp(`^${slack.url}response/`));
  });

  it('Bolt answers 401 to a bad signature and to a 6-minute-old timestamp', async () => {
    const bad = await slack.slashCommand({ user: 'U0BOB', channel: 'C0DEPLOYS', command: '/deploy', text: 'x', signature: 'v0=deadbeef' });
    expect(bad.status).toBe(401);
    const old = await slack.slashCommand({
      user: 'U0BOB',
      channel: 'C0DEPLOYS',
      command: '/deploy',
      text: 'x',
      timestamp: Math.floor(Date.now() / 1000) - 360,
    });
    expect(old.status).toBe(401);
  });
});

describe('slash commands and buttons', () => {
  it('respond() lands as an ephemeral, say() as a message whose button Bolt handles', async () => {
    const before = slack.messages('C0DEPLOYS').length;
    await slack.slashCommand({ user: 'U0BOB', channel: 'C0DEPLOYS', command: '/deploy', text: 'payments v7' });
    await slack.waitFor(() => slack.ephemerals('U0BOB').find((e) => e.text === 'Deploying payments v7…'), { message: 'no ephemeral' });
    const msg = await slack.waitFor(() =>
      slack
        .messages('C0DEPLOYS')
        .slice(before)
        .find((m) => m.text === 'Approve deploy?'),
    );
    expect(slack.ephemerals('U0BOB').find((e) => e.text === 'Deploying payments v7…')?.via).toBe('response_url');

    const press = await slack.pressButton({ user: 'U0CAROL', channel: 'C0DEPLOYS', ts: msg.ts, actionId: 'approve' });
    expect(press.status).toBe(200);
    await slack.waitFor(() => slack.message('C0DEPLOYS', msg.ts)?.edited, { message: 'message not replaced' });
    expect(slack.message('C0DEPLOYS', msg.ts)).toMatchObject({ text: 'Approved by <@U0CAROL>' });
    expect(slack.message('C0DEPLOYS', msg.ts)?.blocks).toBeUndefined();
    await expect(slack.pressButton({ user: 'U0CAROL', channel: 'C0DEPLOYS', ts: msg.ts, actionId: 'approve' })).rejects.toThrow(
      /no button approve/,
    );
  });

  it('an in_channel ack body becomes a channel message', async () => {
    const res = await slack.slashCommand({ user: 'U0ALICE', channel: 'C0GENERAL', command: '/inline', text: '' });
    expect(JSON.parse(res.body)).toMatchObject({ response_type: 'in_channel' });
    expect(slack.messages('C0GENERAL').at(-1)).toMatchObject({ text: 'everyone sees this', user: 'U0BOT' });
  });
});

describe('modals', () => {
  it('opens a modal from a slash command trigger; errors keep it open; a valid submit closes it', async () => {
    await slack.slashCommand({ user: 'U0ERIN', channel: 'C0INCIDENTS', command: '/ticket', text: '' });
    const view = await slack.waitFor(() => slack.views().find((v) => v.user === 'U0ERIN' && v.open));
    expect(view).toMatchObject({ callback_id: 'ticket', private_metadata: 'ctx-9' });

    const bad = await slack.submitView({ user: 'U0ERIN', viewId: view.id, values: { title: { t: 'no' }, sev: { s: 'sev2' } } });
    expect(bad.json).toEqual({ response_action: 'errors', errors: { title: 'Too short' } });
    expect(slack.view(view.id)?.open).toBe(true);
    await expect(slack.submitView({ user: 'U0ERIN', viewId: view.id, values: { title: { t: 'Checkout down' } } })).rejects.toThrow(
      /Severity/,
    );

    const ok = await slack.submitView({
      user: 'U0ERIN',
      viewId: view.id,
      values: { title: { t: 'Checkout down' }, sev: { s: 'sev1' }, owner: { u: 'U0ALICE' } },
    });
    expect(ok.status).toBe(200);
    expect(slack.view(view.id)?.open).toBe(false);
    expect(seen.submissions.at(-1)).toEqual({
      meta: 'ctx-9',
      values: {
        title: { t: { type: 'plain_text_input', value: 'Checkout down' } },
        sev: { s: { type: 'static_select', selected_option: { text: { type: 'plain_text', text: 'SEV1' }, value: 'sev1' } } },
        owner: { u: { type: 'users_select', selected_user: 'U0ALICE' } },
      },
    });
  });

  it('cancel sends view_closed when notify_on_close is set', async () => {
    await slack.slashCommand({ user: 'U0DAVE', channel: 'C0GENERAL', command: '/ticket', text: '' });
    const view = await slack.waitFor(() => slack.views().find((v) => v.user === 'U0DAVE' && v.open));
    const res = await slack.closeView({ user: 'U0DAVE', viewId: view.id });
    expect(res?.status).toBe(200);
    expect(seen.closed).toContain(view.id);
  });
});

describe('events and shortcuts', () => {
  it('app_mention reaches Bolt with the retry number, and the bot replies in thread', async () => {
    const res = await slack.appMention('U0ALICE', 'C0GENERAL', 'status please');
    expect(res.status).toBe(200);
    expect(res.eventId).toMatch(/^Ev/);
    const reply = await slack.waitFor(() => slack.messages('C0GENERAL', { threadTs: res.ts }).find((m) => m.user === 'U0BOT'));
    expect(reply.text).toBe('hello there');
    await slack.sendEvent(
      { type: 'app_mention', user: 'U0ALICE', text: '<@U0BOT> again', ts: res.ts, channel: 'C0GENERAL' },
      { eventId: res.eventId, retryNum: 1 },
    );
    await slack.waitFor(() => seen.mentions.length === 2);
    expect(seen.mentions).toEqual([{ text: '<@U0BOT> status please' }, { text: '<@U0BOT> again', retryNum: 1 }]);
  });

  it('a message shortcut on a stored human message reaches Bolt', async () => {
    const msg = slack.postAsUser('U0FRANK', 'C0HELPDESK', 'printer on fire');
    const res = await slack.messageShortcut({ user: 'U0FRANK', channel: 'C0HELPDESK', ts: msg.ts, callbackId: 'make_ticket' });
    expect(res.status).toBe(200);
    expect(seen.shortcuts).toEqual([msg.ts]);
  });
});
