import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HttpRoute } from '../../core/module.js';
import type { Logger } from '../../core/ports/runtime.js';
import type { Metrics } from '../metrics.js';

const MAX_BODY = 1024 * 1024;
const DRAIN_MAX = 4 * 1024 * 1024;

export interface HttpServerOptions {
  host: string;
  port: number;
  log: Logger;
  metrics: Metrics;
  /** Bolt's HTTP receiver, for POST /slack/events (absent in Socket Mode or worker-only). */
  slackListener?: (req: IncomingMessage, res: ServerResponse) => void;
  routes: HttpRoute[];
  ready(): Promise<boolean>;
  /** Refresh gauges before /metrics is rendered. */
  beforeMetrics?(): Promise<void>;
}

/**
 * The process's HTTP face: Slack's endpoint, webhooks from monitoring and the help desk, and the
 * operability endpoints (/healthz alive, /readyz Redis reachable, /metrics Prometheus).
 */
export class HttpServer {
  private server?: Server;
  private closing = false;

  constructor(private readonly o: HttpServerOptions) {}

  async start(): Promise<number> {
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.keepAliveTimeout = 5000;
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.o.port, this.o.host, () => resolve());
    });
    return (this.server.address() as AddressInfo).port;
  }

  /**
   * Stops taking work (Slack and webhooks answer 503, /readyz too) but keeps answering /healthz
   * and /metrics while the process drains its running stages, so a liveness probe does not kill
   * it halfway.
   */
  drain(): void {
    this.closing = true;
  }

  /** Stops taking requests; in-flight ones finish. */
  async stop(): Promise<void> {
    this.closing = true;
    const s = this.server;
    if (!s) return;
    await new Promise<void>((resolve) => {
      s.close(() => resolve());
      s.closeIdleConnections();
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0]!;
    const requestId = (req.headers['x-request-id'] as string | undefined)?.slice(0, 64) ?? randomUUID();
    res.setHeader('x-request-id', requestId);
    try {
      if (req.method === 'GET' && path === '/healthz') return send(res, 200, { ok: true });
      if (req.method === 'GET' && path === '/readyz') {
        const ready = !this.closing && (await this.o.ready().catch(() => false));
        return send(res, ready ? 200 : 503, { ok: ready });
      }
      if (req.method === 'GET' && path === '/metrics') {
        await this.o.beforeMetrics?.().catch(() => undefined);
        res.writeHead(200, { 'content-type': this.o.metrics.registry.contentType });
        res.end(await this.o.metrics.registry.metrics());
        return;
      }
      if (path === '/slack/events' && this.o.slackListener) {
        if (this.closing) return send(res, 503, { ok: false, error: 'shutting_down' });
        this.o.slackListener(req, res);
        return;
      }
      const route = this.o.routes.find((r) => r.path === path && r.method === req.method);
      if (!route) return send(res, 404, { ok: false, error: 'not_found' });
      // Senders (Alertmanager, the help desk) retry a 5xx: another process takes it.
      if (this.closing) return send(res, 503, { ok: false, error: 'shutting_down' });
      const { body: rawBody, tooLarge } = await readBody(req, route.maxBodyBytes ?? MAX_BODY);
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : v]));
      // An oversized body still goes to the route: refusing (and auditing) it is the route's job.
      const out = await route.handle({
        method: req.method ?? 'GET',
        path,
        headers,
        rawBody,
        requestId,
        ...(tooLarge ? { bodyTooLarge: true } : {}),
      });
      send(res, out.status, out.body ?? { ok: out.status < 400 });
    } catch (err) {
      const tooLarge = (err as Error).message === 'body_too_large';
      if (!tooLarge) this.o.log.error({ requestId, path, err: (err as Error).message }, 'http handler failed');
      if (!res.headersSent)
        send(res, tooLarge ? 413 : 500, { ok: false, error: tooLarge ? 'body_too_large' : 'internal_error', requestId });
    }
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/**
 * Keeps at most `limit` bytes. Past it the rest is read and dropped, so the sender gets an answer
 * rather than a reset; past DRAIN_MAX the connection is cut (413 if it can still be sent).
 */
function readBody(req: IncomingMessage, limit: number): Promise<{ body: Buffer; tooLarge: boolean }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > Math.max(limit, DRAIN_MAX)) {
        reject(new Error('body_too_large'));
        req.destroy();
      } else if (size <= limit) chunks.push(c);
      else chunks.length = 0;
    });
    req.on('end', () => resolve({ body: size > limit ? Buffer.alloc(0) : Buffer.concat(chunks), tooLarge: size > limit }));
    req.on('error', reject);
  });
}
