import type { IncomingMessage, ServerResponse } from 'node:http';
import { LoopbackServer, sendJson } from './http-fake.js';

/**
 * Jira Cloud over loopback HTTP, as Atlassian's REST references document it (basic auth: account
 * email + API token):
 * Jira Service Management (`/rest/servicedeskapi`):
 * - `POST /request` `{serviceDeskId, requestTypeId, requestFieldValues:{summary, description}}` -> 201
 *   `{issueId, issueKey, requestTypeId, serviceDeskId, currentStatus, _links:{web, agent, self}}`; an unknown
 *   service desk or request type -> 400/404 `{errorMessage, i18nErrorMessage:{i18nKey, parameters}}`.
 * - `POST /request/{issueIdOrKey}/comment` `{body, public}` -> 201 `{id, body, public}`.
 * - `POST /request/{issueIdOrKey}/transition` `{id, additionalComment:{body}}` -> 204 (no body).
 * Jira platform REST v3:
 * - `POST /rest/api/3/issue` `{fields:{project:{key}, issuetype:{name}, summary, description:<ADF doc>, labels}}`
 *   -> 201 `{id, key, self}`; problems -> 400 `{errorMessages:[], errors:{<field>: message}}`.
 * - 401 without valid credentials `{errorMessages:["Client must be authenticated to access this resource."]}`.
 * - `failNext` answers 503 `{errorMessages:["Service unavailable"]}`, as Atlassian's edge does under an outage.
 */
export interface JsmRequest {
  issueKey: string;
  serviceDeskId: string;
  requestTypeId: string;
  summary: string;
  description: string;
  status: string;
  comments: Array<{ body: string; public: boolean }>;
}

export interface JiraIssue {
  key: string;
  project: string;
  issueType: string;
  summary: string;
  description: unknown;
  labels: string[];
}

export class FakeJira {
  readonly requests = new Map<string, JsmRequest>();
  readonly issues: JiraIssue[] = [];
  /** Transition ids the request types allow (id -> the status it leads to). */
  readonly transitions = new Map([['761', 'Resolved']]);
  readonly serviceDesks = new Map([['1', ['10', '11']]]);
  private failures = 0;
  private helpSeq = 0;
  /** The vendor's endpoint: `server.url`; `server.stop()` plays an outage, `server.start()` the way back (same port). */
  readonly server = new LoopbackServer((req, body, res) => this.handle(req, body, res));

  constructor(
    private readonly email: string,
    private readonly token: string,
  ) {}

  /** The next `n` requests answer 503. */
  failNext(n = 1): void {
    this.failures += n;
  }

  private handle(req: IncomingMessage, raw: Buffer, res: ServerResponse): void {
    const expected = `Basic ${Buffer.from(`${this.email}:${this.token}`).toString('base64')}`;
    if (req.headers.authorization !== expected)
      return sendJson(res, 401, { errorMessages: ['Client must be authenticated to access this resource.'], errors: {} });
    if (this.failures > 0) {
      this.failures--;
      return sendJson(res, 503, { errorMessages: ['Service unavailable'], errors: {} });
    }
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const body = raw.length ? (JSON.parse(raw.toString('utf8')) as Record<string, unknown>) : {};
    if (req.method !== 'POST') return sendJson(res, 405, { errorMessages: ['Method not allowed'], errors: {} });
    if (path === '/rest/servicedeskapi/request') return this.createRequest(body, res);
    const m = /^\/rest\/servicedeskapi\/request\/([A-Z]+-\d+)\/(comment|transition)$/.exec(path);
    if (m) {
      const r = this.requests.get(m[1]!);
      if (!r) return jsmError(res, 404, 'Request does not exist or you do not have permission to see it.', 'sd.request.not.found');
      if (m[2] === 'comment') {
        if (typeof body.body !== 'string' || !body.body) return jsmError(res, 400, 'Comment body is required.', 'sd.comment.body.required');
        r.comments.push({ body: body.body, public: body.public !== false });
        return sendJson(res, 201, { id: String(r.comments.length), body: body.body, public: body.public !== false });
      }
      const status = this.transitions.get(String(body.id));
      if (!status) return jsmError(res, 400, `Transition ${String(body.id)} is not valid for this request.`, 'sd.transition.invalid');
      r.status = status;
      const comment = (body.additionalComment as { body?: string } | undefined)?.body;
      if (comment) r.comments.push({ body: comment, public: true });
      res.writeHead(204).end();
      return;
    }
    if (path === '/rest/api/3/issue') return this.createIssue(body, res);
    return sendJson(res, 404, { errorMessages: ['Not found'], errors: {} });
  }

  private createRequest(body: Record<string, unknown>, res: ServerResponse): void {
    const types = this.serviceDesks.get(String(body.serviceDeskId));
    if (!types) return jsmError(res, 404, 'The service desk does not exist.', 'sd.service.desk.not.found');
    if (!types.includes(String(body.requestTypeId)))
      return jsmError(res, 400, 'The request type does not exist.', 'sd.request.type.invalid');
    const v = (body.requestFieldValues ?? {}) as { summary?: string; description?: string };
    if (!v.summary) return jsmError(res, 400, 'Summary is required.', 'sd.field.required');
    const issueKey = `HELP-${++this.helpSeq}`;
    this.requests.set(issueKey, {
      issueKey,
      serviceDeskId: String(body.serviceDeskId),
      requestTypeId: String(body.requestTypeId),
      summary: v.summary,
      description: v.description ?? '',
      status: 'Waiting for support',
      comments: [],
    });
    sendJson(res, 201, {
      issueId: String(10000 + this.helpSeq),
      issueKey,
      requestTypeId: String(body.requestTypeId),
      serviceDeskId: String(body.serviceDeskId),
      currentStatus: { status: 'Waiting for support' },
      _links: {
        web: `${this.server.url}/servicedesk/customer/portal/${String(body.serviceDeskId)}/${issueKey}`,
        agent: `${this.server.url}/browse/${issueKey}`,
        self: `${this.server.url}/rest/servicedeskapi/request/${10000 + this.helpSeq}`,
      },
    });
  }

  private createIssue(body: Record<string, unknown>, res: ServerResponse): void {
    const f = (body.fields ?? {}) as {
      project?: { key?: string };
      issuetype?: { name?: string };
      summary?: string;
      description?: unknown;
      labels?: string[];
    };
    const errors: Record<string, string> = {};
    if (!f.project?.key) errors.project = 'Specify a valid project ID or key';
    if (!f.issuetype?.name) errors.issuetype = 'Specify an issue type';
    if (!f.summary) errors.summary = 'You must specify a summary of the issue.';
    if ((f.labels ?? []).some((l) => /\s/.test(l))) errors.labels = 'Labels cannot contain spaces.';
    if (Object.keys(errors).length) return sendJson(res, 400, { errorMessages: [], errors });
    const n = this.issues.filter((i) => i.project === f.project!.key).length + 1;
    const key = `${f.project!.key}-${n}`;
    this.issues.push({
      key,
      project: f.project!.key!,
      issueType: f.issuetype!.name!,
      summary: f.summary!,
      description: f.description,
      labels: f.labels ?? [],
    });
    sendJson(res, 201, {
      id: String(20000 + this.issues.length),
      key,
      self: `${this.server.url}/rest/api/3/issue/${20000 + this.issues.length}`,
    });
  }
}

function jsmError(res: ServerResponse, status: number, message: string, key: string): void {
  sendJson(res, status, { errorMessage: message, i18nErrorMessage: { i18nKey: key, parameters: [] } });
}
