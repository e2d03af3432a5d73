// The console driven through a PassThrough, against a real Bolt app.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { App, LogLevel } from '@slack/bolt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SEED_FILE, loadWorkspaceSeed, runConsole, startLocalSlack } from '../../src/local-slack/index.js';
import type { LocalSlack } from '../../src/local-slack/index.js';

let slack: LocalSlack;
let app: App;
const actions: { action: string; value?: string; user: string }[] = [];
const commands: string[] = [];
const submissions: unknown[] = [];

beforeAll(async () => {
  slack = await startLocalSlack({
    seed: loadWorkspaceSeed(DEFAULT_SEED_FILE),
    signingSecret: 'sec',
    botToken: 'xoxb-c',
    botUserId: 'U0BOT',
    botId: 'B0BOT',
    botName: 'switchyard',
  });
  app = new App({
    token: 'xoxb-c',
    signingSecret: 'sec',
    botId: 'B0BOT',
    botUserId: 'U0BOT',
    logLevel: LogLevel.ERROR,
    clientOptions: { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 } },
  });
  app.command('/incident', async ({ ack, say, command }) => {
    await ack();
    commands.push(command.text);
    await say({
      text: 'Incident declared',
      blocks: [
        { type: 'header', text: { type: 'plain_text', text: 'SEV2: Checkout latency' } },
        {
          type: 'actions',
          elements: [
            { type: 'button', action_id: 'ack', value: 'inc-1', text: { type: 'plain_text', text: 'Acknowledge' } },
            { type: 'button', action_id: 'resolve', value: 'inc-1', text: { type: 'plain_text', text: 'Resolve' } },
          ],
        },
      ],
    });
  });
  app.action(/.*/, async ({ ack, action, body, respond }) => {
    await ack();
    actions.push({ action: (action as { action_id: string }).action_id, value: (action as { value?: string }).value, user: body.user.id });
    await respond({ text: `acknowledged by <@${body.user.id}>`, response_type: 'ephemeral' });
  });
  app.command('/form', async ({ ack, client, body }) => {
    await ack();
    await client.views.open({
      trigger_id: body.trigger_id,
      view: {
        type: 'modal',
        callback_id: 'f',
        title: { type: 'plain_text', text: 'Form' },
        submit: { type: 'plain_text', text: 'Save' },
        blocks: [
          {
            type: 'input',
            block_id: 'name',
            label: { type: 'plain_text', text: 'Name' },
            element: { type: 'plain_text_input', action_id: 'v' },
          },
          {
            type: 'input',
            block_id: 'env',
            label: { type: 'plain_text', text: 'Env' },
            element: {
              type: 'static_select',
              action_id: 'v',
              options: [
                { text: { type: 'plain_text', text: 'Staging' }, value: 'stg' },
                { text: { type: 'plain_text', text: 'Production' }, value: 'prd' },
              ],
            },
          },
          { type: 'input', block_id: 'who', label: { type: 'plain_text', text: 'Who' }, element: { type: 'users_select', action_id: 'v' } },
        ],
      },
    });
  });
  app.view('f', async ({ ack, view }) => {
    submissions.push(view.state.values);
    await ack();
  });
  app.event('app_mention', async ({ event, say }) => {
    await say({ text: `you said: ${event.text}` });
  });
  const server = (await app.start({ port: 0, host: '127.0.0.1' })) as Server;
  slack.setBotUrl(`http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events`);
});
afterAll(async () => {
  await app.stop();
  await slack.close();
});

function startConsole() {
  const input = new PassThrough();
  const output = new PassThrough();
  let out = '';
  output.on('data', (c: Buffer) => (out += c.toString()));
  const done = runConsole(slack, { input, output, user: 'alice', channel: '#incidents' });
  const type = (line: string) => input.write(`${line}\n`);
  const waitOut = (needle: string | RegExp) =>
    slack.waitFor(() => (typeof needle === 'string' ? out.includes(needle) : needle.test(out)), {
      timeoutMs: 5000,
      message: `console never printed ${String(needle)}:\n${out}`,
    });
  return { input, type, waitOut, done, out: () => out };
}

describe('console', () => {
  it('sends slash commands, shows the bot reply with numbered buttons, and press sends block_actions', async () => {
    const c = startConsole();
    await c.waitOut('you are @alice in #incidents');
    c.type('/incident declare sev2 "Checkout latency" --service checkout');
    await c.waitOut('[1.1 Acknowledge] [1.2 Resolve]');
    expect(commands).toEqual(['declare sev2 "Checkout latency" --service checkout']);
    expect(c.out()).toMatch(/\(1\) #incidents · switchyard \(app\) · \d\d:\d\d:\d\d\n {2}== SEV2: Checkout latency ==/);
    expect(c.out()).toContain('== SEV2: Checkout latency ==');

    c.type('as erin');
    await c.waitOut('you are @erin');
    c.type('press 1');
    await c.waitOut('! say which message and which of its buttons: press 12.1');
    c.type('press 1.1');
    await c.waitOut('acknowledged by @erin');
    expect(actions).toEqual([{ action: 'ack', value: 'inc-1', user: 'U0ERIN' }]);
    expect(c.out()).toContain('only visible to @erin');

    c.type('react eyes 1');
    await slack.waitFor(() => slack.messages('C0INCIDENTS').at(-1)?.reactions?.length);
    expect(slack.messages('C0INCIDENTS').at(-1)?.reactions).toEqual([{ name: 'eyes', users: ['U0ERIN'], count: 1 }]);

    c.type('press 9.1');
    await c.waitOut('! no button 9.1');

    // An edit is one line naming the message, not a reprint of it.
    const card = slack.messages('C0INCIDENTS').find((m) => m.text === 'Incident declared')!;
    const update = (text: string) =>
      fetch(`${slack.apiUrl}chat.update`, {
        method: 'POST',
        headers: { authorization: 'Bearer xoxb-c', 'content-type': 'application/json' },
        body: JSON.stringify({ channel: 'C0INCIDENTS', ts: card.ts, text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] }),
      });
    await update('*Acknowledged* by erin');
    await c.waitOut('(1) edited in #incidents: *Acknowledged* by erin');
    expect(c.out().match(/== SEV2: Checkout latency ==/g)).toHaveLength(1);
    await update('*Acknowledged* by erin · 5s');
    await c.waitOut('(1) edited in #incidents: *Acknowledged* by erin · 5s');
    await update('*Acknowledged* by erin · 6s'); // only its clock moved: not printed
    c.type('help');
    await c.waitOut('Type as a Slack user:');
    expect(c.out()).not.toContain('erin · 6s');

    // Only the current user's view: another person's ephemeral and a channel erin is not in stay out.
    slack.workspace.addEphemeral({ channel: 'C0INCIDENTS', user: 'U0ALICE', text: 'for alice only', via: 'chat.postEphemeral' });
    slack.postAsUser('U0ALICE', 'C0STAKE', 'stakeholders only');
    c.type('history');
    await c.waitOut(/-- #incidents \(\d+ messages\) --/);
    expect(c.out()).not.toContain('for alice only');
    expect(c.out()).not.toContain('stakeholders only');
    c.type('in #stakeholders');
    await c.waitOut('! @erin is not in #stakeholders');
    c.type('/quit');
    await c.done;
  });

  it('fills and submits a modal, switches channels, mentions the bot, and ends with the input', async () => {
    const c = startConsole();
    c.type('in #deploys');
    await c.waitOut('@alice is now in #deploys');
    c.type('/form');
    await c.waitOut('modal for @alice: Form');
    expect(c.out()).toContain('<1> Name: ______');
    expect(c.out()).toContain('options: 1) Staging  2) Production');
    c.type('fill 1 checkout');
    c.type('fill 2 2');
    c.type('fill 3 bob');
    c.type('submit');
    await c.waitOut('closed');
    expect(submissions).toEqual([
      {
        name: { v: { type: 'plain_text_input', value: 'checkout' } },
        env: { v: { type: 'static_select', selected_option: { text: { type: 'plain_text', text: 'Production' }, value: 'prd' } } },
        who: { v: { type: 'users_select', selected_user: 'U0BOB' } },
      },
    ]);

    c.type('hey @switchyard status?');
    await c.waitOut('you said: hey @switchyard status?');
    expect(slack.messages('C0DEPLOYS').map((m) => m.text)).toContain('hey <@U0BOT> status?');
    expect(c.out()).not.toContain('· alice ·'); // the console user's own line is not echoed
    c.input.end();
    await c.done;
  });
});
