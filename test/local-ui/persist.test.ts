// The local workspace survives a restart: channels created, messages (edits and threads), pins,
// members and Home tabs come back from DATA_DIR's JSON file; open modals and ephemerals do not.
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_SEED_FILE, loadWorkspaceSeed, startLocalSlack } from '../../src/local-slack/index.js';
import type { LocalSlack } from '../../src/local-slack/index.js';
import { persistWorkspace } from '../../src/local-slack/persist.js';

const TOKEN = 'xoxb-persist';
const dirs: string[] = [];
const open: LocalSlack[] = [];

async function workspace(): Promise<LocalSlack> {
  const slack = await startLocalSlack({
    seed: loadWorkspaceSeed(DEFAULT_SEED_FILE),
    signingSecret: 's',
    botToken: TOKEN,
    botUserId: 'U0BOT',
    botId: 'B0BOT',
  });
  open.push(slack);
  return slack;
}

async function api(slack: LocalSlack, method: string, args: Record<string, unknown>): Promise<Record<string, unknown>> {
  const res = await fetch(`${slack.apiUrl}${method}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(args),
  });
  const body = (await res.json()) as Record<string, unknown>;
  if (body.ok !== true) throw new Error(`${method}: ${String(body.error)}`);
  return body;
}

afterEach(async () => {
  for (const s of open.splice(0)) await s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('the local workspace saved in DATA_DIR', () => {
  it('brings back channels, messages, edits, threads, pins, members and Home tabs after a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ls-persist-'));
    dirs.push(dir);
    const file = join(dir, 'local-slack.json');
    const first = await workspace();
    const saved = persistWorkspace(first, file, { debounceMs: 5 });
    expect(saved.restored).toBe(false);
    const created = await api(first, 'conversations.create', { name: 'inc-1-checkout' });
    const channel = (created.channel as { id: string }).id;
    await api(first, 'conversations.invite', { channel, users: 'U0ERIN,U0ALICE' });
    const posted = await api(first, 'chat.postMessage', { channel, text: 'INC-1 declared' });
    const ts = String(posted.ts);
    await api(first, 'chat.update', { channel, ts, text: 'INC-1 acknowledged' });
    await api(first, 'chat.postMessage', { channel, text: 'timeline', thread_ts: ts });
    await api(first, 'pins.add', { channel, timestamp: ts });
    await api(first, 'views.publish', { user_id: 'U0ERIN', view: { type: 'home', blocks: [{ type: 'divider' }] } });
    saved.close();
    expect(readdirSync(dir)).toEqual(['local-slack.json']); // written by rename: no temp file left

    const second = await workspace();
    const again = persistWorkspace(second, file);
    expect(again.restored).toBe(true);
    const ch = second.channel('inc-1-checkout');
    expect(ch?.id).toBe(channel);
    expect(ch?.members).toEqual(expect.arrayContaining(['U0ERIN', 'U0ALICE']));
    expect(second.message(channel, ts)?.text).toBe('INC-1 acknowledged');
    expect(second.message(channel, ts)?.edited).toBe(true);
    expect(second.messages(channel, { threadTs: ts }).map((m) => m.text)).toEqual(['INC-1 acknowledged', 'timeline']);
    expect(second.pins(channel)).toEqual([ts]);
    expect(second.homeView('U0ERIN')?.blocks).toHaveLength(1);
    // the bot can post there again: what failed with channel_not_found before the file existed
    await api(second, 'chat.postMessage', { channel, text: 'after the restart' });
    again.close();
  });

  it('refuses a file that is not a saved workspace instead of starting empty over it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ls-persist-'));
    dirs.push(dir);
    const file = join(dir, 'local-slack.json');
    writeFileSync(file, JSON.stringify({ version: 99 }));
    const slack = await workspace();
    expect(() => persistWorkspace(slack, file)).toThrow(/not a saved local workspace/);
    expect(existsSync(file)).toBe(true);
  });
});
