// The browser page's server (loopback only). It speaks only to the LocalSlack it is given: a click
// becomes LocalSlack.pressButton (a signed block_actions to the bot), a submit submitView, a command
// slashCommand. Changes reach open pages as Server-Sent Events; the page then asks for its screen.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LocalSlack } from '../local-slack.js';
import type { InputValues } from '../view-state.js';
import { fileBytes } from '../api-files.js';
import { loadAppSurface } from './manifest-commands.js';
import type { AppSurface } from './manifest-commands.js';
import { pageHtml } from './page.js';
import { screenFor } from './screen.js';
import type { ReadMarks } from './screen.js';

export interface LocalUiOptions {
  /** 0 = a free port. */
  port: number;
  /** Manifest for command autocomplete and shortcuts (default: the repository's manifest.yml). */
  manifestFile?: string;
}

export interface LocalUi {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Events of LocalSlack after which what someone sees may have changed. */
const CHANGES = ['message', 'update', 'delete', 'ephemeral', 'view', 'home', 'view_closed', 'member_joined', 'channel', 'call'];

const ASSETS = ['app.js', 'compose.js', 'forms.js', 'view.js', 'app.css', 'blocks.css'];

function asset(name: string): string {
  const here = fileURLToPath(new URL(`./assets/${name}`, import.meta.url));
  for (const file of [here, resolve('src/local-slack/ui/assets', name)]) {
    try {
      return readFileSync(file, 'utf8');
    } catch {
      /* next candidate: a compiled dist/ has no assets next to it */
    }
  }
  throw new Error(`local ui: asset ${name} not found`);
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > 1_000_000) throw new Error('body too large');
    chunks.push(chunk as Buffer);
  }
  const v: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

function send(res: ServerResponse, status: number, body: unknown, type = 'application/json; charset=utf-8'): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/** Runs one action of the page; answers what the page shows about it (a refusal, the bot's status). */
async function act(slack: LocalSlack, path: string, b: Record<string, unknown>): Promise<Record<string, unknown>> {
  const user = str(b.user);
  const status = (r: { status: number } | undefined) => (r ? { status: r.status } : {});
  switch (path) {
    case 'command': {
      const text = str(b.text).trim();
      const [command = '', ...rest] = text.split(/\s+/);
      return status(await slack.slashCommand({ user, channel: str(b.channel), command, text: rest.join(' ') }));
    }
    case 'message': {
      const text = str(b.text);
      const thread = str(b.threadTs) || undefined;
      const bot = slack.user(slack.botUserId)?.name ?? 'bot';
      const mention = new RegExp(`@${bot}\\b`);
      if (mention.test(text) || text.includes(`<@${slack.botUserId}>`))
        return status(await slack.appMention(user, str(b.channel), text.replace(mention, `<@${slack.botUserId}>`), thread));
      return status(await slack.messageEvent(user, str(b.channel), text, thread));
    }
    case 'press': {
      const value = typeof b.value === 'string' ? { value: b.value } : {};
      const actionId = str(b.actionId);
      if (b.viewId) return status(await slack.pressButton({ user, viewId: str(b.viewId), actionId, ...value }));
      return status(await slack.pressButton({ user, channel: str(b.channel), ts: str(b.ts), actionId, ...value }));
    }
    case 'submit': {
      const res = await slack.submitView({ user, viewId: str(b.viewId), values: (b.values ?? {}) as InputValues });
      const json = res.json as { response_action?: string; errors?: Record<string, string> } | undefined;
      return { status: res.status, ...(json?.response_action === 'errors' ? { errors: json.errors ?? {} } : {}) };
    }
    case 'close':
      return status(await slack.closeView({ user, viewId: str(b.viewId) }));
    case 'react':
      return status(await slack.reactionAdded(user, str(b.channel), str(b.ts), str(b.name).replace(/:/g, '')));
    case 'shortcut':
      return status(await slack.messageShortcut({ user, channel: str(b.channel), ts: str(b.ts), callbackId: str(b.callbackId) }));
    case 'home':
      return status(await slack.appHomeOpened(user));
    default:
      throw new Error(`unknown action ${path}`);
  }
}

export async function startLocalUi(slack: LocalSlack, o: LocalUiOptions): Promise<LocalUi> {
  const surface: AppSurface = loadAppSurface(o.manifestFile);
  const marks: ReadMarks = new Map();
  const since = String(Date.now() / 1000);
  const streams = new Set<ServerResponse>();
  let pending: NodeJS.Timeout | undefined;
  const changed = () => {
    pending ??= setTimeout(() => {
      pending = undefined;
      for (const s of streams) s.write(`data: change\n\n`);
    }, 25);
  };
  for (const e of CHANGES) slack.on(e, changed);
  let port = o.port;

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    // Only this machine's page may drive it: a Host of another name is a DNS-rebinding attempt.
    const host = (req.headers.host ?? '').replace(/:\d+$/, '');
    if (!['127.0.0.1', 'localhost', '[::1]'].includes(host)) return send(res, 403, { error: 'loopback only' });
    const work = async () => {
      if (req.method === 'GET' && url.pathname === '/') return send(res, 200, pageHtml(), 'text/html; charset=utf-8');
      const file = /^\/([a-z]+)\.(js|css)$/.exec(url.pathname);
      if (req.method === 'GET' && file?.[1] && ASSETS.includes(`${file[1]}.${file[2]}`)) {
        return send(
          res,
          200,
          asset(`${file[1]}.${file[2]}`),
          file[2] === 'js' ? 'text/javascript; charset=utf-8' : 'text/css; charset=utf-8',
        );
      }
      if (req.method === 'GET' && url.pathname === '/favicon.ico') return send(res, 204, '');
      const shared = /^\/ui\/files\/(F[A-F0-9]+)$/.exec(url.pathname);
      if (req.method === 'GET' && shared?.[1]) {
        // Files the app uploaded (a metrics chart): images shown inline, anything else as a download.
        const f = fileBytes(slack.workspace, shared[1]);
        if (!f) return send(res, 404, { error: 'file_not_found' });
        const image = /^image\/(png|jpeg|gif)$/.test(f.file.mimetype);
        res.writeHead(200, {
          'content-type': image ? f.file.mimetype : 'application/octet-stream',
          'cache-control': 'no-store',
          'x-content-type-options': 'nosniff',
          ...(image ? {} : { 'content-disposition': 'attachment' }),
        });
        return void res.end(f.bytes);
      }
      if (req.method === 'GET' && url.pathname === '/ui/app') return send(res, 200, surface);
      if (req.method === 'GET' && url.pathname === '/ui/state') {
        const q = url.searchParams;
        // A person remembered by the browser but gone from workspace.yml: show the first person instead.
        const asked = q.get('user') ?? '';
        const user = slack.user(asked) ? asked : (slack.users().find((u) => !u.is_bot)?.id ?? asked);
        const channel = q.get('channel') ?? undefined;
        const thread = q.get('thread') ?? undefined;
        const screen = screenFor(
          slack,
          { user, ...(channel ? { channel } : {}), ...(thread ? { thread } : {}), home: q.get('home') === '1' },
          marks,
          since,
        );
        return send(res, 200, screen);
      }
      if (req.method === 'GET' && url.pathname === '/ui/events') {
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
        res.write(': connected\n\n');
        streams.add(res);
        req.on('close', () => streams.delete(res));
        return;
      }
      const action = /^\/ui\/act\/([a-z]+)$/.exec(url.pathname);
      // JSON only: a cross-site form cannot send it without a preflight this server never allows.
      if (req.method === 'POST' && action?.[1] && (req.headers['content-type'] ?? '').startsWith('application/json')) {
        try {
          return send(res, 200, await act(slack, action[1], await readJson(req)));
        } catch (err) {
          return send(res, 200, { error: (err as Error).message.replace(/^local-slack: /, '') });
        }
      }
      send(res, 404, { error: 'not found' });
    };
    work().catch((err: unknown) => {
      if (!res.headersSent) send(res, 500, { error: String(err) });
    });
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(port, '127.0.0.1', () => ok());
  });
  port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/`,
    port,
    async close() {
      for (const e of CHANGES) slack.off(e, changed);
      if (pending) clearTimeout(pending);
      for (const s of streams) s.end();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
