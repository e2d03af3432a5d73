// The page server shows each person only what they can see, and takes orders only from this machine's page.
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SEED_FILE, loadWorkspaceSeed, startLocalSlack } from '../../src/local-slack/index.js';
import type { LocalSlack } from '../../src/local-slack/index.js';
import type { ScreenState } from '../../src/local-slack/ui/screen.js';
import { startLocalUi } from '../../src/local-slack/ui/server.js';
import type { LocalUi } from '../../src/local-slack/ui/server.js';

let slack: LocalSlack;
let ui: LocalUi;

beforeAll(async () => {
  slack = await startLocalSlack({
    seed: loadWorkspaceSeed(DEFAULT_SEED_FILE),
    signingSecret: 's',
    botToken: 'xoxb-ui',
    botUserId: 'U0BOT',
    botId: 'B0BOT',
    botName: 'switchyard',
  });
  ui = await startLocalUi(slack, { port: 0 });
});
afterAll(async () => {
  await ui?.close();
  await slack?.close();
});

async function screen(user: string, channel: string): Promise<ScreenState> {
  return (await (await fetch(`${ui.url}ui/state?user=${user}&channel=${channel}`)).json()) as ScreenState;
}

function raw(o: { method: string; path: string; host: string; type?: string; body?: string }): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port: ui.port, method: o.method, path: o.path, headers: { host: o.host, 'content-type': o.type ?? '' } },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('error', reject);
    req.end(o.body ?? '');
  });
}

describe('the page server', () => {
  it('shows a person their channels, their DM with the app and their ephemerals, nobody else’s', async () => {
    slack.workspace.addEphemeral({ channel: 'C0GENERAL', user: 'U0ALICE', text: 'for *alice* only', via: 'chat.postEphemeral' });
    slack.workspace.addMessage({ channel: slack.dmChannel('U0ALICE').id, user: 'U0BOT', text: 'alice dm', bot: true });
    const grace = await screen('U0GRACE', 'C0GENERAL');
    expect(grace.channels.map((c) => c.label)).toEqual(['#general', '#helpdesk']);
    expect(grace.dms).toEqual([]);
    expect(grace.messages.map((m) => m.html).join('')).not.toContain('alice');
    expect((await screen('U0GRACE', 'C0NOC')).channel).toBeUndefined(); // not a member: not shown

    const alice = await screen('U0ALICE', 'C0GENERAL');
    expect(alice.channels).toHaveLength(9);
    expect(alice.dms.map((d) => [d.label, d.unread])).toEqual([['switchyard', 1]]);
    const eph = alice.messages.find((m) => m.html.includes('for <b>alice</b> only'));
    expect(eph?.html).toContain('Only visible to you');
  });

  it('shows the first person to a browser that remembers someone no longer in the workspace', async () => {
    expect((await screen('U0GONE', 'C0GENERAL')).me.id).toBe('U0ALICE');
  });

  it('counts unread messages until the person opens the channel', async () => {
    slack.postAsUser('U0BOB', 'C0DEPLOYS', 'first');
    slack.postAsUser('U0BOB', 'C0DEPLOYS', 'second');
    const before = await screen('U0CAROL', 'C0GENERAL');
    expect(before.channels.find((c) => c.label === '#deploys')?.unread).toBe(2);
    expect((await screen('U0BOB', 'C0GENERAL')).channels.find((c) => c.label === '#deploys')?.unread).toBe(0); // own messages
    await screen('U0CAROL', 'C0DEPLOYS');
    expect((await screen('U0CAROL', 'C0GENERAL')).channels.find((c) => c.label === '#deploys')?.unread).toBe(0);
  });

  it('drops a deleted message, marks a pinned one and lists pins and bookmarks in the header', async () => {
    const gone = slack.workspace.addMessage({ channel: 'C0GENERAL', user: 'U0BOT', text: 'soon deleted', bot: true });
    const kept = slack.workspace.addMessage({ channel: 'C0GENERAL', user: 'U0BOT', text: 'pinned one', bot: true });
    const call = (method: string, args: Record<string, string>) =>
      fetch(`${slack.apiUrl}${method}`, {
        method: 'POST',
        headers: { authorization: 'Bearer xoxb-ui', 'content-type': 'application/json' },
        body: JSON.stringify(args),
      });
    await call('chat.delete', { channel: 'C0GENERAL', ts: gone.ts });
    await call('pins.add', { channel: 'C0GENERAL', timestamp: kept.ts });
    await call('bookmarks.add', { channel_id: 'C0GENERAL', title: 'Runbook <b>', type: 'link', link: 'https://runbooks.example/checkout' });
    const s = await screen('U0ALICE', 'C0GENERAL');
    expect(s.messages.map((m) => m.html).join('')).not.toContain('soon deleted');
    expect(s.messages.find((m) => m.html.includes('pinned one'))?.html).toContain('📌 Pinned');
    expect(s.channel?.pins.map((p) => p.html)).toEqual(['pinned one']);
    expect(s.channel?.bookmarks.map((b) => b.html)).toEqual([
      '<a href="https://runbooks.example/checkout" target="_blank" rel="noopener noreferrer">Runbook &lt;b&gt;</a>',
    ]);
  });

  it('refuses another Host name (DNS rebinding) and actions not sent as JSON (cross-site forms)', async () => {
    expect(await raw({ method: 'GET', path: '/ui/state?user=U0ALICE', host: 'evil.example' })).toBe(403);
    const form = 'user=U0ALICE&channel=C0GENERAL&text=hi';
    const before = slack.messages('C0GENERAL').length;
    expect(
      await raw({ method: 'POST', path: '/ui/act/message', host: '127.0.0.1', type: 'application/x-www-form-urlencoded', body: form }),
    ).toBe(404);
    expect(slack.messages('C0GENERAL')).toHaveLength(before);
  });
});
