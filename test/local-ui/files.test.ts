// A file the app uploads (the metrics chart) shows on the page as an image served by the page itself.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SEED_FILE, loadWorkspaceSeed, startLocalSlack } from '../../src/local-slack/index.js';
import type { LocalSlack } from '../../src/local-slack/index.js';
import type { ScreenState } from '../../src/local-slack/ui/screen.js';
import { startLocalUi } from '../../src/local-slack/ui/server.js';
import type { LocalUi } from '../../src/local-slack/ui/server.js';

const TOKEN = 'xoxb-ui-files';
let slack: LocalSlack;
let ui: LocalUi;

beforeAll(async () => {
  slack = await startLocalSlack({
    seed: loadWorkspaceSeed(DEFAULT_SEED_FILE),
    signingSecret: 's',
    botToken: TOKEN,
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

async function api(method: string, args: Record<string, string>): Promise<Record<string, unknown>> {
  const res = await fetch(`${slack.apiUrl}${method}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(args).toString(),
  });
  return (await res.json()) as Record<string, unknown>;
}

describe('files on the page', () => {
  it('shows an uploaded PNG inline, with its alt text and title, served from the page', async () => {
    const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(64, 1)]);
    const ticket = await api('files.getUploadURLExternal', {
      filename: 'chart.png',
      length: String(png.length),
      alt_text: 'deploys <b>x</b>',
    });
    expect(ticket.ok).toBe(true);
    expect((await fetch(String(ticket.upload_url), { method: 'POST', body: png })).status).toBe(200);
    const done = await api('files.completeUploadExternal', {
      files: JSON.stringify([{ id: ticket.file_id, title: 'Delivery' }]),
      channel_id: 'C0GENERAL',
    });
    expect(done.ok).toBe(true);

    const screen = (await (await fetch(`${ui.url}ui/state?user=U0ALICE&channel=C0GENERAL`)).json()) as ScreenState;
    const html = JSON.stringify(screen.messages);
    expect(html).toContain(`/ui/files/${String(ticket.file_id)}`);
    expect(html).toContain('alt=\\"deploys &lt;b&gt;x&lt;/b&gt;\\"');
    expect(html).toContain('Delivery');
    const img = await fetch(`${ui.url}ui/files/${String(ticket.file_id)}`);
    expect(img.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await img.arrayBuffer())).toEqual(png);
  });

  it('refuses a file never uploaded, and answers 404 for an unknown id', async () => {
    const ticket = await api('files.getUploadURLExternal', { filename: 'x.png', length: '10' });
    const done = await api('files.completeUploadExternal', { files: JSON.stringify([{ id: ticket.file_id }]), channel_id: 'C0GENERAL' });
    expect(done).toMatchObject({ ok: false, error: 'file_not_found' });
    expect(await api('files.getUploadURLExternal', { filename: 'x.png' })).toMatchObject({ ok: false, error: 'invalid_arguments' });
    expect((await fetch(`${ui.url}ui/files/F0000000000`)).status).toBe(404);
  });
});
