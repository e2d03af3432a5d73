import type { IncomingMessage, ServerResponse } from 'node:http';
import { LoopbackServer, sendJson } from './http-fake.js';

/**
 * ServiceNow's Table API for the `incident` table, over loopback HTTP, as its REST API reference
 * documents it:
 * - `POST /api/now/table/incident` (JSON, basic auth) -> 201 `{result:{sys_id, number, state, ...}}`;
 *   `number` is `INC` + 7 digits, `state` "1" (New).
 * - `GET /api/now/table/incident?sysparm_query=correlation_id=<x>&sysparm_fields=...&sysparm_limit=1` -> 200 `{result:[...]}`.
 * - `PATCH /api/now/table/incident/{sys_id}` -> 200 `{result}`; `work_notes` is a journal field:
 *   each write appends an entry, it is never replaced. `state` "6" is Resolved, which needs
 *   `close_code` and `close_notes` (the instance's data policy refuses a resolve without them: 403).
 * - Errors: `{error:{message, detail}, status:"failure"}`: 401 without valid basic auth, 404 for a
 *   sys_id that does not exist, 503 when the instance is down (failNext), 403 data policy.
 */
export interface SnowIncident {
  sys_id: string;
  number: string;
  short_description: string;
  description: string;
  urgency: string;
  impact: string;
  assignment_group: string;
  correlation_id: string;
  state: string;
  close_code: string;
  close_notes: string;
  work_notes: string[];
}

const failure = (message: string, detail: string) => ({ error: { message, detail }, status: 'failure' });

export class FakeServiceNow {
  readonly records = new Map<string, SnowIncident>();
  /** Every request received (method + path), answered or not. */
  readonly requests: Array<{ method: string; path: string; status: number }> = [];
  private failures = 0;
  private seq = 10000;
  /** The vendor's endpoint: `server.url`; `server.stop()` plays an outage, `server.start()` the way back (same port). */
  readonly server = new LoopbackServer((req, body, res) => this.handle(req, body, res));

  constructor(
    private readonly user: string,
    private readonly password: string,
  ) {}

  /** The next `n` requests answer 503 with ServiceNow's error body. */
  failNext(n = 1): void {
    this.failures += n;
  }

  byCorrelation(id: string): SnowIncident[] {
    return [...this.records.values()].filter((r) => r.correlation_id === id);
  }

  private answer(req: IncomingMessage, res: ServerResponse, status: number, body: unknown): void {
    this.requests.push({ method: req.method ?? '', path: req.url ?? '', status });
    sendJson(res, status, body);
  }

  private handle(req: IncomingMessage, raw: Buffer, res: ServerResponse): void {
    const expected = `Basic ${Buffer.from(`${this.user}:${this.password}`).toString('base64')}`;
    if (req.headers.authorization !== expected)
      return this.answer(req, res, 401, failure('User Not Authenticated', 'Required to provide Auth information'));
    if (this.failures > 0) {
      this.failures--;
      return this.answer(req, res, 503, failure('Service Unavailable', 'The instance is temporarily unavailable'));
    }
    const url = new URL(req.url ?? '/', 'http://x');
    const body = raw.length ? (JSON.parse(raw.toString('utf8')) as Record<string, string>) : {};
    if (req.method === 'GET' && url.pathname === '/api/now/table/incident') {
      const q = /^correlation_id=(.+)$/.exec(url.searchParams.get('sysparm_query') ?? '');
      const hits = q ? this.byCorrelation(q[1]!) : [...this.records.values()];
      const limit = Number(url.searchParams.get('sysparm_limit') ?? '10000');
      return this.answer(req, res, 200, { result: hits.slice(0, limit).map((r) => ({ sys_id: r.sys_id, number: r.number })) });
    }
    if (req.method === 'POST' && url.pathname === '/api/now/table/incident') {
      if (!body.short_description) return this.answer(req, res, 400, failure('Invalid request', 'short_description is mandatory'));
      const sys_id = `${(this.seq + 1).toString(16).padStart(32, '0')}`;
      const rec: SnowIncident = {
        sys_id,
        number: `INC${String(++this.seq).padStart(7, '0')}`,
        short_description: body.short_description,
        description: body.description ?? '',
        urgency: body.urgency ?? '3',
        impact: body.impact ?? '3',
        assignment_group: body.assignment_group ?? '',
        correlation_id: body.correlation_id ?? '',
        state: '1',
        close_code: '',
        close_notes: '',
        work_notes: [],
      };
      this.records.set(sys_id, rec);
      return this.answer(req, res, 201, { result: { ...rec, work_notes: '' } });
    }
    const m = /^\/api\/now\/table\/incident\/([0-9a-f]{32})$/.exec(url.pathname);
    if (req.method === 'PATCH' && m) {
      const rec = this.records.get(m[1]!);
      if (!rec) return this.answer(req, res, 404, failure('No Record found', "Record doesn't exist or ACL restricts the record retrieval"));
      if (body.state === '6' && (!body.close_code || !body.close_notes))
        return this.answer(
          req,
          res,
          403,
          failure('Operation Failed', 'Data Policy Exception: Resolution code, Resolution notes are mandatory'),
        );
      if (body.work_notes) rec.work_notes.push(body.work_notes);
      for (const f of ['state', 'close_code', 'close_notes'] as const) if (body[f] !== undefined) rec[f] = body[f];
      return this.answer(req, res, 200, { result: { ...rec, work_notes: '' } });
    }
    return this.answer(req, res, 400, failure('Requested URI does not represent any resource', url.pathname));
  }
}
