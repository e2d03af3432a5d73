// The loopback HTTP server: Web API under /api/<method>, response_url under /response/<id>.
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { parse as parseQs } from 'node:querystring';
import { chatMethods } from './api-chat.js';
import type { Handler } from './api-chat.js';
import { conversationMethods } from './api-conversations.js';
import { fileMethods, handleDownload, handleUpload } from './api-files.js';
import { miscMethods } from './api-misc.js';
import { applyResponse } from './respond.js';
import { scopeHeaders } from './scopes.js';
import type { Workspace } from './state.js';
import { ApiError } from './types.js';
import type { Failure } from './types.js';
import type { Args } from './wire.js';

export const METHODS: Record<string, Handler> = { ...chatMethods, ...conversationMethods, ...miscMethods };

/** Fields that @slack/web-api JSON-encodes into form values; decoded for calls() so tests can inspect them. */
const JSON_FIELDS = ['blocks', 'attachments', 'view', 'metadata'];

export interface ServerDeps {
  ws: Workspace;
  botToken: string;
  baseUrl: () => string;
  takeFailure: (method: string) => Failure | undefined;
  /** Scopes granted to the bot token, sent as `x-oauth-scopes` on every authenticated answer. */
  scopes: () => readonly string[];
  /** apps.connections.open, called with the app-level token rather than the bot token (Socket Mode). */
  openConnection: (token: string | undefined) => Record<string, unknown>;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function parseBody(raw: string, contentType: string | undefined): Args {
  if (!raw) return {};
  const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase();
  if (type === 'application/json') {
    const v: unknown = JSON.parse(raw);
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Args) : {};
  }
  const out: Args = {};
  for (const [k, v] of Object.entries(parseQs(raw))) out[k] = Array.isArray(v) ? v[v.length - 1] : v;
  return out;
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': typeof body === 'string' ? 'text/plain' : 'application/json; charset=utf-8', ...headers });
  res.end(text);
}

function recordArgs(args: Args): Args {
  const out: Args = { ...args };
  delete out.token;
  for (const k of JSON_FIELDS) {
    const v = out[k];
    if (typeof v === 'string' && /^\s*[[{]/.test(v)) {
      try {
        out[k] = JSON.parse(v);
      } catch {
        /* keep the raw string; the method reports the error */
      }
    }
  }
  return out;
}

async function handleApi(deps: ServerDeps, method: string, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const { ws } = deps;
  const raw = req.method === 'POST' ? await readBody(req) : '';
  let args: Args;
  try {
    args = { ...Object.fromEntries(url.searchParams), ...parseBody(raw, req.headers['content-type']) };
  } catch {
    return send(res, 200, { ok: false, error: 'invalid_json' });
  }
  const call = { method, args: recordArgs(args), at: ws.now() };
  ws.calls.push(call);
  ws.o.emit('call', call);

  const auth = req.headers.authorization;
  const token = auth?.startsWith('Bearer ') ? auth.slice(7) : typeof args.token === 'string' ? args.token : undefined;
  if (method === 'apps.connections.open') return send(res, 200, deps.openConnection(token));
  if (!token) return send(res, 200, { ok: false, error: 'not_authed' });
  if (token !== deps.botToken) return send(res, 200, { ok: false, error: 'invalid_auth' });
  const granted = scopeHeaders(deps.scopes());
  const handler = METHODS[method] ?? fileMethods(deps.baseUrl)[method];
  if (!handler) return send(res, 200, { ok: false, error: 'unknown_method', req_method: method }, granted);

  const failure = deps.takeFailure(method);
  if (failure && 'status' in failure) {
    return send(res, 429, { ok: false, error: 'ratelimited' }, { 'retry-after': String(failure.retryAfter) });
  }
  if (failure) return send(res, 200, { ok: false, error: failure.error }, granted);
  try {
    const result = handler(ws, call.args);
    send(res, 200, { ok: true, ...result }, granted);
  } catch (err) {
    if (err instanceof ApiError) {
      const body: Record<string, unknown> = { ok: false, error: err.code };
      if (err.messages?.length) body.response_metadata = { messages: err.messages };
      return send(res, 200, body, granted);
    }
    process.stderr.write(`[local-slack] ${method} crashed: ${(err as Error).stack ?? String(err)}\n`);
    send(res, 500, { ok: false, error: 'fatal_error', detail: String(err) });
  }
}

async function handleResponseUrl(deps: ServerDeps, id: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const { ws } = deps;
  const raw = await readBody(req);
  const target = ws.responseUrls.get(id);
  if (!target) return send(res, 404, 'no_active_hooks');
  if (ws.now() - target.at > 30 * 60 * 1000) return send(res, 404, 'expired_url');
  if (target.uses >= 5) return send(res, 404, 'used_url');
  target.uses++;
  let body: Args;
  try {
    const parsed = parseBody(raw, req.headers['content-type'] ?? 'application/json');
    body = typeof parsed.payload === 'string' ? (JSON.parse(parsed.payload) as Args) : parsed;
  } catch {
    return send(res, 400, 'invalid_payload');
  }
  const call = { method: 'response_url', args: { ...body, response_url_id: id }, at: ws.now() };
  ws.calls.push(call);
  ws.o.emit('call', call);
  const error = applyResponse(ws, target, body, 'response_url');
  if (error) return send(res, 400, error);
  send(res, 200, 'ok');
}

export function createLocalServer(deps: ServerDeps): Server {
  return createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const api = /^\/api\/([A-Za-z0-9_.]+)$/.exec(url.pathname);
    const hook = /^\/response\/([a-f0-9]+)$/.exec(url.pathname);
    const upload = /^\/upload\/(F[A-F0-9]+)$/.exec(url.pathname);
    const download = /^\/files\/(F[A-F0-9]+)(?:\/[^/]*)?$/.exec(url.pathname);
    let work: Promise<void>;
    if (api?.[1] && (req.method === 'POST' || req.method === 'GET')) work = handleApi(deps, api[1], req, res, url);
    else if (hook?.[1] && req.method === 'POST') work = handleResponseUrl(deps, hook[1], req, res);
    else if (upload?.[1] && req.method === 'POST') work = handleUpload(deps.ws, upload[1], req, res);
    else if (download?.[1] && req.method === 'GET') work = Promise.resolve(handleDownload(deps.ws, download[1], res));
    else if (url.pathname === '/' && req.method === 'GET') work = Promise.resolve(send(res, 200, `local slack: ${deps.ws.team.name}\n`));
    else work = Promise.resolve(send(res, 404, 'not found'));
    work.catch((err: unknown) => {
      process.stderr.write(`[local-slack] request failed: ${String(err)}\n`);
      if (!res.headersSent) send(res, 500, 'internal error');
    });
  });
}
