import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Shared bits of the CI loopback fakes: a recorded request log and a tiny router. */
export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export type Answer = { status: number; json?: unknown; text?: string; headers?: Record<string, string> };
export type Route = (req: RecordedRequest, m: RegExpExecArray) => Answer | Promise<Answer>;

export class CiFake {
  readonly requests: RecordedRequest[] = [];
  private server: Server | undefined;
  private routes: Array<{ method: string; pattern: RegExp; route: Route }> = [];
  private failures: Array<{ pattern: RegExp; status: number }> = [];
  url = '';

  protected on(method: string, pattern: RegExp, route: Route): void {
    this.routes.push({ method, pattern, route });
  }

  /** The next request whose path matches answers `status` (a refused token, an outage). */
  failNext(pattern: RegExp, status: number): void {
    this.failures.push({ pattern, status });
  }

  async listen(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', () => r()));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const url = new URL(req.url ?? '/', 'http://x');
    const rec: RecordedRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: url.searchParams,
      headers: req.headers,
      body: Buffer.concat(chunks).toString('utf8'),
    };
    this.requests.push(rec);
    const send = (a: Answer) => {
      res.writeHead(a.status, {
        ...(a.json !== undefined
          ? { 'content-type': 'application/json' }
          : a.text !== undefined
            ? { 'content-type': 'text/html;charset=utf-8' }
            : {}),
        ...a.headers,
      });
      res.end(a.json !== undefined ? JSON.stringify(a.json) : a.text);
    };
    const fail = this.failures.findIndex((f) => f.pattern.test(rec.path));
    if (fail >= 0) {
      const [f] = this.failures.splice(fail, 1);
      return send({ status: f!.status, json: { message: f!.status === 401 ? 'Bad credentials' : 'Server Error' } });
    }
    for (const r of this.routes) {
      const m = r.method === rec.method ? r.pattern.exec(rec.path) : null;
      if (m) {
        try {
          return send(await r.route(rec, m));
        } catch (err) {
          return send({ status: 500, json: { message: (err as Error).message } });
        }
      }
    }
    send({ status: 404, json: { message: 'Not Found' } });
  }
}
