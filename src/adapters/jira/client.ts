import { UpstreamError } from '../../core/errors.js';
import type { IssueTracker, TicketIncident, TicketRef, TicketSystem } from '../../domain/tickets/ports.js';

/**
 * Jira Service Management (REST, JSON, basic auth with an account email and API token):
 * - create request: `POST /rest/servicedeskapi/request` `{serviceDeskId, requestTypeId, requestFieldValues:{summary, description}}`
 *   -> 201 `{issueId, issueKey, _links:{web, agent, self}}`
 * - comment: `POST /rest/servicedeskapi/request/{issueIdOrKey}/comment` `{body, public}` -> 201
 * - transition: `POST /rest/servicedeskapi/request/{issueIdOrKey}/transition` `{id, additionalComment:{body}}` -> 204
 * - errors (servicedeskapi): `{errorMessage, i18nErrorMessage:{i18nKey, parameters}}`
 * Jira platform REST v3 for follow-ups:
 * - `POST /rest/api/3/issue` `{fields:{project:{key}, issuetype:{name}, summary, description:<ADF>, labels}}` -> 201 `{id, key, self}`
 * - errors: `{errorMessages:[...], errors:{field: message}}`; the issue's page is `<site>/browse/<key>`.
 */
export interface JiraOptions {
  site: string;
  email: string;
  apiToken: string;
  timeoutMs?: number;
}

class JiraHttp {
  readonly base: string;
  private readonly auth: string;
  constructor(private readonly o: JiraOptions) {
    this.base = o.site.replace(/\/+$/, '');
    this.auth = `Basic ${Buffer.from(`${o.email}:${o.apiToken}`).toString('base64')}`;
  }

  async post(path: string, body: unknown): Promise<Record<string, unknown>> {
    let res: Response;
    try {
      res = await fetch(`${this.base}${path}`, {
        method: 'POST',
        headers: { authorization: this.auth, accept: 'application/json', 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.o.timeoutMs ?? 10_000),
      });
    } catch (err) {
      throw new UpstreamError('jira', `unreachable (${(err as Error).name})`, { cause: err });
    }
    const text = await res.text();
    let json: Record<string, unknown> = {};
    try {
      json = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      json = {};
    }
    if (res.ok) return json;
    throw new UpstreamError('jira', `HTTP ${res.status} ${reasonOf(json) || res.statusText}`.slice(0, 250), {
      retryable: res.status === 429 || res.status >= 500,
    });
  }
}

function reasonOf(json: Record<string, unknown>): string {
  if (typeof json.errorMessage === 'string') return json.errorMessage;
  const list = Array.isArray(json.errorMessages) ? json.errorMessages.filter((m) => typeof m === 'string') : [];
  const fields = json.errors && typeof json.errors === 'object' ? Object.entries(json.errors).map(([k, v]) => `${k}: ${String(v)}`) : [];
  return [...list, ...fields].join('; ');
}

/** Atlassian Document Format: one paragraph per line. */
function adf(text: string): unknown {
  return {
    type: 'doc',
    version: 1,
    content: text.split('\n').map((line) => ({ type: 'paragraph', content: line ? [{ type: 'text', text: line }] : [] })),
  };
}

export class JiraServiceDeskTickets implements TicketSystem {
  readonly name = 'Jira';
  private readonly http: JiraHttp;

  constructor(
    o: JiraOptions,
    private readonly route: (services: readonly string[]) => { service_desk_id: string; request_type_id: string } | undefined,
    private readonly resolveTransitionId?: string,
  ) {
    this.http = new JiraHttp(o);
  }

  async open(inc: TicketIncident): Promise<TicketRef> {
    const r = this.route(inc.services);
    if (!r)
      throw new UpstreamError('jira', `no service desk configured for ${inc.services.join(', ') || 'an incident without services'}`, {
        retryable: false,
      });
    const body = await this.http.post('/rest/servicedeskapi/request', {
      serviceDeskId: r.service_desk_id,
      requestTypeId: r.request_type_id,
      requestFieldValues: {
        summary: `[${inc.id}] ${inc.title}`.slice(0, 250),
        description: `Switchyard incident ${inc.id} (${inc.severity}). Services: ${inc.services.join(', ') || 'none named'}.`,
      },
    });
    const key = typeof body.issueKey === 'string' ? body.issueKey : '';
    if (!key) throw new UpstreamError('jira', 'create answered without issueKey');
    const links = (body._links ?? {}) as { web?: unknown };
    return { key, id: key, url: typeof links.web === 'string' ? links.web : `${this.http.base}/browse/${key}` };
  }

  async addNote(ticket: TicketRef, text: string): Promise<void> {
    // Internal (public: false): the responders' updates are for the agents, not the customer portal.
    await this.http.post(`/rest/servicedeskapi/request/${encodeURIComponent(ticket.id)}/comment`, { body: text, public: false });
  }

  async resolve(ticket: TicketRef, text: string): Promise<void> {
    const body = `Resolved in Switchyard: ${text}`;
    if (!this.resolveTransitionId) return this.addNote(ticket, body);
    await this.http.post(`/rest/servicedeskapi/request/${encodeURIComponent(ticket.id)}/transition`, {
      id: this.resolveTransitionId,
      additionalComment: { body },
    });
  }
}

export class JiraIssues implements IssueTracker {
  private readonly http: JiraHttp;
  constructor(
    o: JiraOptions,
    private readonly project: string,
    private readonly issueType: string,
  ) {
    this.http = new JiraHttp(o);
  }

  async createIssue(issue: { summary: string; description: string; labels: string[] }): Promise<{ key: string; url: string }> {
    const body = await this.http.post('/rest/api/3/issue', {
      fields: {
        project: { key: this.project },
        issuetype: { name: this.issueType },
        summary: issue.summary.slice(0, 250),
        description: adf(issue.description),
        labels: issue.labels.map((l) => l.replace(/\s+/g, '-')),
      },
    });
    const key = typeof body.key === 'string' ? body.key : '';
    if (!key) throw new UpstreamError('jira', 'issue create answered without key');
    return { key, url: `${this.http.base}/browse/${key}` };
  }
}
