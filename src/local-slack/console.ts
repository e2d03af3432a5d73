// A terminal console: a person types as a Slack user of the local workspace and sees what the bot does.
import { createInterface } from 'node:readline';
import { channelLabel, formatEdit, formatEphemeral, formatMessage, formatView, newScreen } from './console-view.js';
import type { Screen } from './console-view.js';
import type { LocalSlack } from './local-slack.js';
import type { RenderedInput } from './render.js';
import type { Ephemeral, Message, View } from './types.js';
import { optionsOf } from './view-state.js';

export interface ConsoleOptions {
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
  /** Starting user (id or handle) and channel (id or name). */
  user: string;
  channel: string;
}

const HELP = `Type as a Slack user:
  /command args...      send a slash command (e.g. /incident declare sev2 "Checkout latency")
  any text              post a message (mention the bot with @bot to send app_mention)
  as <user>             switch user (handle or id)          in #channel | in dm   switch channel
  press <n>.<b>         press button b of item (n): [12.1]  react <emoji> <n>     react to message (n)
  reply <n> <text>      reply in the thread of message (n)  home                  open the App Home tab
  fill <n> <value>      fill modal input n (select: option number, value or label; multi: a,b)
  submit | cancel       submit or close the open modal
  history | channels | users | help | /quit`;

export async function runConsole(slack: LocalSlack, o: ConsoleOptions): Promise<void> {
  const screen: Screen = newScreen();
  let echoing = false; // true while the console user's own message is being stored: not printed back
  const startUser = slack.findUser(o.user);
  const startChannel = slack.channel(o.channel);
  if (!startUser) throw new Error(`console: unknown user ${o.user}`);
  if (!startChannel) throw new Error(`console: unknown channel ${o.channel}`);
  let user = startUser.id;
  let channel = startChannel.id;
  const print = (s: string) => o.output.write(`${s}\n`);
  const name = (id: string) => slack.user(id)?.name ?? id;
  const where = () => channelLabel(slack, slack.channel(channel), channel);
  /** What the current user sees: the channels they are in and their own DM with the app. */
  const sees = (channelId: string) => {
    const ch = slack.channel(channelId);
    return Boolean(ch && ch.members.includes(user) && (!ch.is_im || ch.user === user));
  };

  const subscriptions: [string, (x: unknown) => void][] = [];
  const on = <T>(event: string, fn: (x: T) => void) => subscriptions.push([event, fn as (x: unknown) => void]);
  const listeners = {
    message: (m: Message) => {
      if (sees(m.channel) && !(echoing && m.user === user && !m.bot_id)) print(formatMessage(slack, screen, m));
    },
    update: (m: Message) => {
      const line = sees(m.channel) ? formatEdit(slack, screen, m) : undefined;
      if (line) print(line);
    },
    delete: (m: Message) => {
      const n = screen.numbers.get(`${m.channel}:${m.ts}`);
      if (sees(m.channel)) print(`${channelLabel(slack, slack.channel(m.channel), m.channel)}: message ${n ? `(${n})` : m.ts} deleted`);
    },
    ephemeral: (e: Ephemeral) => {
      if (e.user === user) print(formatEphemeral(slack, screen, e));
    },
    view: (v: View) => {
      if (v.open && v.user === user) print(formatView(slack, screen, v));
    },
    home: (v: View) => {
      if (v.user === user) print(formatView(slack, screen, v));
    },
    view_closed: (v: View) => {
      if (screen.modal?.viewId === v.id) delete screen.modal;
      if (v.user === user) print(`└ modal ${v.id} closed`);
    },
    view_errors: (e: { errors?: Record<string, string> }) =>
      print(
        `  ! ${Object.entries(e.errors ?? {})
          .map(([k, v]) => `${k}: ${v}`)
          .join('; ')}`,
      ),
    member_joined: (e: { channel: string; user: string }) => {
      if (sees(e.channel)) print(`@${name(e.user)} was added to ${channelLabel(slack, slack.channel(e.channel), e.channel)}`);
    },
  };
  for (const [event, fn] of Object.entries(listeners)) on(event, fn as (x: never) => void);
  for (const [event, fn] of subscriptions) slack.on(event, fn);

  /** Runs fn without echoing the console user's own message (stored synchronously when fn starts). */
  const quiet = <T>(fn: () => Promise<T>): Promise<T> => {
    echoing = true;
    try {
      return fn();
    } finally {
      echoing = false;
    }
  };

  const status = (res: { status: number } | undefined, what: string) => {
    if (res && res.status !== 200) print(`! the bot answered HTTP ${res.status} to ${what}`);
  };

  const fillValue = (input: RenderedInput, raw: string): string | string[] => {
    const parts = input.type.startsWith('multi_') || input.type === 'checkboxes' ? raw.split(',').map((s) => s.trim()) : [raw.trim()];
    const one = (p: string): string => {
      if (input.type.includes('user')) return slack.findUser(p)?.id ?? p;
      if (input.type.includes('conversation') || input.type.includes('channel')) return slack.channel(p)?.id ?? p;
      const opts = optionsOf(input.element);
      if (!opts.length) return p;
      const byNum = /^\d+$/.test(p) ? opts[Number(p) - 1] : undefined;
      const hit =
        byNum ?? opts.find((x) => x.value === p || String((x.text as { text?: string })?.text ?? '').toLowerCase() === p.toLowerCase());
      if (!hit) throw new Error(`no option "${p}" for ${input.label}`);
      return String(hit.value);
    };
    const vals = parts.map(one);
    return parts.length === 1 && !(input.type.startsWith('multi_') || input.type === 'checkboxes') ? (vals[0] ?? '') : vals;
  };

  async function handle(line: string): Promise<boolean> {
    const [cmd = '', ...rest] = line.split(/\s+/);
    const arg = line.slice(cmd.length).trim();
    if (cmd === '/quit' || cmd === 'quit' || cmd === 'exit') return false;
    if (cmd.startsWith('/')) {
      const res = await slack.slashCommand({ user, channel, command: cmd, text: arg });
      status(res, cmd);
    } else if (cmd === 'help') print(HELP);
    else if (cmd === 'as') {
      const u = slack.findUser(arg);
      if (!u) throw new Error(`unknown user ${arg}`);
      user = u.id;
      print(`you are @${u.name} (${u.real_name}) in ${where()}`);
    } else if (cmd === 'in') {
      const ch = arg === 'dm' ? slack.dmChannel(user) : slack.channel(arg);
      if (!ch) throw new Error(`unknown channel ${arg}`);
      if (!sees(ch.id)) throw new Error(`@${name(user)} is not in ${channelLabel(slack, ch, ch.id)}`);
      channel = ch.id;
      print(`@${name(user)} is now in ${where()}`);
    } else if (cmd === 'press') {
      const at = /^(\d+)\.(\d+)$/.exec(rest[0] ?? '');
      if (!at) throw new Error('say which message and which of its buttons: press 12.1 presses [12.1 …]');
      const b = screen.buttons.get(Number(at[1]))?.[Number(at[2]) - 1];
      if (!b) throw new Error(`no button ${rest[0] ?? ''} (buttons show as [12.1 Approve])`);
      if (b.url) print(`(opens ${b.url})`);
      const res =
        b.kind === 'view'
          ? await slack.pressButton({
              user: b.user,
              viewId: b.viewId,
              actionId: b.actionId,
              ...(b.value !== undefined ? { value: b.value } : {}),
            })
          : await slack.pressButton({
              user,
              channel: b.channel,
              ts: b.ts,
              actionId: b.actionId,
              ...(b.value !== undefined ? { value: b.value } : {}),
            });
      status(res, `button ${b.text}`);
    } else if (cmd === 'fill') {
      const m = screen.modal;
      if (!m) throw new Error('no modal is open');
      const input = m.inputs[Number(rest[0]) - 1];
      if (!input) throw new Error(`no input ${rest[0] ?? ''} (${m.inputs.length} inputs)`);
      const raw = rest.slice(1).join(' ');
      (m.values[input.blockId] ??= {})[input.actionId] = fillValue(input, raw);
      m.shown[`${input.blockId}.${input.actionId}`] = raw;
      print(`  <${input.n}> ${input.label} = ${raw}`);
    } else if (cmd === 'submit') {
      const m = screen.modal;
      if (!m) throw new Error('no modal is open');
      const res = await slack.submitView({ user: m.user, viewId: m.viewId, values: m.values });
      status(res, 'the modal submission');
    } else if (cmd === 'cancel') {
      const m = screen.modal;
      if (!m) throw new Error('no modal is open');
      status(await slack.closeView({ user: m.user, viewId: m.viewId }), 'view_closed');
    } else if (cmd === 'react' || cmd === 'reply') {
      const n = cmd === 'react' ? rest[1] : rest[0];
      const target = screen.byNumber.get(Number(n));
      if (!target) throw new Error(`no message (${n ?? ''})`);
      if (cmd === 'react')
        status(await slack.reactionAdded(user, target.channel, target.ts, (rest[0] ?? '').replace(/:/g, '')), 'reaction_added');
      else {
        status(await quiet(() => slack.messageEvent(user, target.channel, rest.slice(1).join(' '), target.ts)), 'the message event');
      }
    } else if (cmd === 'home') {
      status(await slack.appHomeOpened(user), 'app_home_opened');
      const home = slack.homeView(user);
      print(home ? formatView(slack, screen, home) : `(the bot has not published a Home tab for @${name(user)})`);
    } else if (cmd === 'history') {
      const msgs = slack.messages(channel, { includeReplies: true });
      print(`-- ${where()} (${msgs.length} messages) --`);
      for (const m of msgs) print(formatMessage(slack, screen, m));
    } else if (cmd === 'channels') {
      for (const c of slack.channels().filter((x) => !x.is_im && x.members.includes(user))) {
        print(
          `${c.id === channel ? '*' : ' '} #${c.name}${c.is_private ? ' (private)' : ''}${c.is_archived ? ' (archived)' : ''}` +
            ` ${c.members.length} members${c.topic.value ? ` · ${c.topic.value}` : ''}`,
        );
      }
    } else if (cmd === 'users') {
      for (const u of slack.users())
        print(
          `${u.id === user ? '*' : ' '} @${u.name} ${u.id} ${u.real_name}${u.is_bot ? ' (bot)' : ''}` +
            `${u.profile.title ? ` · ${u.profile.title}` : ''}`,
        );
    } else {
      const bot = slack.user(slack.botUserId);
      const mention = new RegExp(`@${bot?.name ?? 'bot'}\\b`);
      if (mention.test(line) || line.includes(`<@${slack.botUserId}>`)) {
        const text = line.replace(mention, `<@${slack.botUserId}>`);
        status(await quiet(() => slack.appMention(user, channel, text)), 'app_mention');
      } else status(await quiet(() => slack.messageEvent(user, channel, line)), 'the message event');
    }
    return true;
  }

  print(`Local Slack console: you are @${name(user)} in ${where()}. Type "help".`);
  // In a terminal: line editing and a history (arrow keys) of what was typed.
  const tty = (o.input as { isTTY?: boolean }).isTTY === true;
  const rl = createInterface({ input: o.input, ...(tty ? { output: o.output, terminal: true, historySize: 500 } : { terminal: false }) });
  try {
    for await (const raw of rl) {
      const line = raw.trim();
      if (!line) continue;
      try {
        if (!(await handle(line))) break;
      } catch (err) {
        print(`! ${(err as Error).message}`);
      }
    }
  } finally {
    rl.close();
    for (const [event, fn] of subscriptions) slack.off(event, fn);
  }
}
