// Socket Mode as Slack serves it: `apps.connections.open` (app-level token) hands out a one-time
// WebSocket URL; on it Slack says `hello`, sends envelopes and waits for the app's acks; a
// `disconnect` asks the app to reconnect. Wire format checked against @slack/socket-mode 3
// (SocketModeClient.onWebSocketMessage / send) and Slack's "Socket Mode implementation" guide.
import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { parse as parseQs } from 'node:querystring';
import { WebSocket, WebSocketServer } from 'ws';
import type { Delivery } from './payloads.js';

export type EnvelopeType = 'slash_commands' | 'interactive' | 'events_api';

export interface SocketModeOptions {
  server: Server;
  /** The app-level token (xapp-…) apps.connections.open accepts; Socket Mode is off without one. */
  appToken: string | undefined;
  botToken: string;
  appId: string;
  baseUrl: () => string;
  /** How long Slack waits for an ack before giving up on an envelope (it waits 3 s; tests share slow machines). */
  ackTimeoutMs?: number;
}

interface Pending {
  resolve: (d: Delivery) => void;
  started: number;
  timer: NodeJS.Timeout;
}

const TICKET_TTL_MS = 60_000;
const PING_EVERY_MS = 10_000;
const HOST = 'applink-local';

/** The loopback Socket Mode endpoint: connections, envelopes out, acks in. */
export class SocketModeServer {
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly tickets = new Map<string, number>();
  private readonly links = new Set<WebSocket>();
  private readonly pending = new Map<string, Pending>();
  private next = 0;

  constructor(private readonly o: SocketModeOptions) {
    o.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.upgrade(req, socket, head));
  }

  /** apps.connections.open: only the app-level token may open a connection (a bot token is refused as Slack does). */
  open(token: string | undefined): Record<string, unknown> {
    if (!token) return { ok: false, error: 'not_authed' };
    if (token === this.o.botToken) return { ok: false, error: 'not_allowed_token_type' };
    if (!this.o.appToken || token !== this.o.appToken) return { ok: false, error: 'invalid_auth' };
    const ticket = randomBytes(16).toString('hex');
    this.tickets.set(ticket, Date.now());
    const base = new URL(this.o.baseUrl());
    return { ok: true, url: `ws://${base.host}/link/?ticket=${ticket}&app_id=${this.o.appId}` };
  }

  /** Open Socket Mode connections of the app (Slack allows up to ten and delivers each envelope to one). */
  get connections(): number {
    return [...this.links].filter((l) => l.readyState === WebSocket.OPEN).length;
  }

  /**
   * Sends what would have been a signed HTTP request as an envelope to one open connection (round
   * robin) and waits for its ack: the ack's payload becomes the response body, as an HTTP answer would.
   */
  deliver(body: string, json: boolean, retry: { retryNum?: number; retryReason?: string } = {}): Promise<Delivery> {
    const open = [...this.links].filter((l) => l.readyState === WebSocket.OPEN);
    const link = open[this.next++ % open.length];
    if (!link) throw new Error('local-slack: no Socket Mode connection is open');
    const { type, payload } = toEnvelope(body, json);
    const envelopeId = randomUUID();
    const started = performance.now();
    return new Promise<Delivery>((resolve) => {
      const timer = setTimeout(() => this.settle(envelopeId, 408, 'no ack'), this.o.ackTimeoutMs ?? 15_000);
      this.pending.set(envelopeId, { resolve, started, timer });
      link.send(
        JSON.stringify({
          envelope_id: envelopeId,
          type,
          payload,
          // Events take no response payload; commands and interactivity may answer in the ack.
          accepts_response_payload: type !== 'events_api',
          ...(type === 'events_api' ? retryFields(retry) : {}),
        }),
      );
    });
  }

  /** Slack's refresh: every connection is told to go and open a new one (reason refresh_requested). */
  refresh(reason: 'refresh_requested' | 'warning' | 'link_disabled' = 'refresh_requested'): void {
    for (const l of this.links) {
      if (l.readyState === WebSocket.OPEN) l.send(JSON.stringify({ type: 'disconnect', reason, debug_info: { host: HOST } }));
    }
  }

  close(): void {
    for (const l of this.links) l.terminate();
    for (const id of [...this.pending.keys()]) this.settle(id, 503, 'connection closed');
    this.wss.close();
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const ticket = url.searchParams.get('ticket') ?? '';
    const issued = this.tickets.get(ticket);
    // A ticket serves one connection, soon after it was issued.
    if (url.pathname !== '/link/' || issued === undefined || Date.now() - issued > TICKET_TTL_MS) {
      socket.end('HTTP/1.1 401 Unauthorized\r\nconnection: close\r\n\r\n');
      return;
    }
    this.tickets.delete(ticket);
    this.wss.handleUpgrade(req, socket, head, (link) => this.accept(link));
  }

  private accept(link: WebSocket): void {
    this.links.add(link);
    const ping = setInterval(() => link.ping(), PING_EVERY_MS).unref();
    link.on('message', (data, isBinary) => {
      if (!isBinary) this.onAck(String(data));
    });
    link.on('close', () => {
      clearInterval(ping);
      this.links.delete(link);
    });
    link.on('error', () => link.terminate());
    link.send(
      JSON.stringify({
        type: 'hello',
        num_connections: this.connections,
        debug_info: { host: HOST, build_number: 1, approximate_connection_time: 18060 },
        connection_info: { app_id: this.o.appId },
      }),
    );
  }

  /** `{envelope_id, payload?}`: an empty payload is a plain ack (an empty 200 over HTTP). */
  private onAck(text: string): void {
    let ack: { envelope_id?: unknown; payload?: unknown };
    try {
      ack = JSON.parse(text) as typeof ack;
    } catch {
      return;
    }
    if (typeof ack.envelope_id !== 'string') return;
    const payload = ack.payload;
    const empty = payload === undefined || payload === null || (typeof payload === 'object' && Object.keys(payload).length === 0);
    this.settle(ack.envelope_id, 200, empty ? '' : JSON.stringify(payload));
  }

  private settle(envelopeId: string, status: number, body: string): void {
    const p = this.pending.get(envelopeId);
    if (!p) return;
    this.pending.delete(envelopeId);
    clearTimeout(p.timer);
    p.resolve({ status, body, elapsedMs: Math.round(performance.now() - p.started) });
  }
}

/** A first delivery is attempt 0 with no reason; a redelivery says why, as the HTTP header would (default http_timeout). */
function retryFields(r: { retryNum?: number; retryReason?: string }): { retry_attempt: number; retry_reason: string } {
  return r.retryNum === undefined
    ? { retry_attempt: 0, retry_reason: '' }
    : { retry_attempt: r.retryNum, retry_reason: r.retryReason ?? 'http_timeout' };
}

/** The envelope of a body built for HTTP: form fields for a command, `payload=` JSON for interactivity, JSON for events. */
export function toEnvelope(body: string, json: boolean): { type: EnvelopeType; payload: unknown } {
  if (json) return { type: 'events_api', payload: JSON.parse(body) as unknown };
  const fields = parseQs(body);
  if (typeof fields.payload === 'string') return { type: 'interactive', payload: JSON.parse(fields.payload) as unknown };
  return { type: 'slash_commands', payload: Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, String(v ?? '')])) };
}
