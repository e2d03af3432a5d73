import { createHash, randomBytes } from 'node:crypto';
import { CiFake, type RecordedRequest, type Route } from './ci-server.js';

/**
 * Jenkins remote access API: POST /job/<a>/job/<b>/buildWithParameters (basic auth with an API
 * token) answers 201 with `Location: <root>/queue/item/<n>/`; the queue item's api/json names
 * `executable.url` once an executor picks it up; the build's api/json reports building/result.
 * A build whose REF parameter is "broken" ends in FAILURE.
 * CSRF protection is on (as by default): every POST needs the crumb from /crumbIssuer/api/json in
 * the `Jenkins-Crumb` header AND the JSESSIONID cookie it was issued with; otherwise 403 with
 * Jenkins's "No valid crumb was included in the request" page. `expireSessions()` forgets them.
 */
export interface JkFakeBuild {
  number: number;
  job: string;
  params: Record<string, string>;
  startedMs: number;
  result: string | null;
}

export class JenkinsFake extends CiFake {
  readonly queue = new Map<number, { job: string; params: Record<string, string>; atMs: number; build?: number; cancelled?: boolean }>();
  readonly builds = new Map<string, JkFakeBuild>();
  /** Session id -> the crumb issued in it. */
  readonly sessions = new Map<string, string>();
  csrf = true;
  private nextItem = 310;
  private nextBuild = 57;
  private readonly cookieName = `JSESSIONID.${randomBytes(4).toString('hex')}`;

  constructor(private readonly o: { user: string; token: string }) {
    super();
    const auth = (h: string | string[] | undefined) => h === `Basic ${Buffer.from(`${this.o.user}:${this.o.token}`).toString('base64')}`;
    const unauthorized = { status: 401, json: { message: 'Unauthorized' } };
    this.on('GET', /^\/crumbIssuer\/api\/json$/, (req) => {
      if (!auth(req.headers.authorization)) return unauthorized;
      const session = randomBytes(12).toString('hex');
      const crumb = createHash('sha256').update(`${session}:crumb-salt`).digest('hex');
      this.sessions.set(session, crumb);
      return {
        status: 200,
        json: { _class: 'hudson.security.csrf.DefaultCrumbIssuer', crumb, crumbRequestField: 'Jenkins-Crumb' },
        headers: { 'set-cookie': `${this.cookieName}=${session}; Path=/; HttpOnly` },
      };
    });
    // Every POST first checks the crumb against the session cookie.
    const post = (pattern: RegExp, handler: Route): void =>
      this.on('POST', pattern, (req, m) => (this.csrf && !this.crumbOk(req) ? noCrumb : handler(req, m)));
    post(/^((?:\/job\/[^/]+)+)\/buildWithParameters$/, (req, m) => {
      if (!auth(req.headers.authorization)) return unauthorized;
      const job = jobName(m[1]!);
      const params = Object.fromEntries(new URLSearchParams(req.body));
      const n = this.nextItem++;
      this.queue.set(n, { job, params, atMs: Date.now() });
      return { status: 201, headers: { location: `${this.url}/queue/item/${n}/` } };
    });
    this.on('GET', /^\/queue\/item\/(\d+)\/api\/json$/, (req, m) => {
      if (!auth(req.headers.authorization)) return unauthorized;
      const item = this.queue.get(Number(m[1]));
      if (!item) return { status: 404 };
      if (item.cancelled) return { status: 200, json: { id: Number(m[1]), cancelled: true, executable: null } };
      if (!item.build && Date.now() - item.atMs < 80)
        return { status: 200, json: { id: Number(m[1]), why: 'Waiting for next available executor', executable: null } };
      if (!item.build) {
        item.build = this.nextBuild++;
        this.builds.set(`${item.job}#${item.build}`, {
          number: item.build,
          job: item.job,
          params: item.params,
          startedMs: Date.now(),
          result: null,
        });
      }
      return {
        status: 200,
        json: { id: Number(m[1]), why: null, executable: { number: item.build, url: `${this.url}${jobPath(item.job)}/${item.build}/` } },
      };
    });
    this.on('GET', /^((?:\/job\/[^/]+)+)\/(\d+)\/api\/json$/, (req, m) => {
      if (!auth(req.headers.authorization)) return unauthorized;
      const b = this.builds.get(`${jobName(m[1]!)}#${m[2]}`);
      if (!b) return { status: 404 };
      if (b.result === null && Date.now() - b.startedMs > 200) b.result = b.params.REF === 'broken' ? 'FAILURE' : 'SUCCESS';
      return {
        status: 200,
        json: {
          number: b.number,
          building: b.result === null,
          result: b.result,
          url: `${this.url}${jobPath(b.job)}/${b.number}/`,
          fullDisplayName: `${b.job} #${b.number}`,
        },
      };
    });
    post(/^((?:\/job\/[^/]+)+)\/(\d+)\/stop$/, (req, m) => {
      if (!auth(req.headers.authorization)) return unauthorized;
      const b = this.builds.get(`${jobName(m[1]!)}#${m[2]}`);
      if (b && b.result === null) b.result = 'ABORTED';
      return { status: 302, headers: { location: `${this.url}${m[1]}/${m[2]}/` } };
    });
    post(/^\/queue\/cancelItem$/, (req) => {
      if (!auth(req.headers.authorization)) return unauthorized;
      const item = this.queue.get(Number(req.query.get('id')));
      if (item) item.cancelled = true;
      return { status: 204 };
    });
  }

  private crumbOk(req: RecordedRequest): boolean {
    const cookie = String(req.headers.cookie ?? '');
    const session = new RegExp(`(?:^|;\\s*)${this.cookieName.replace('.', '\\.')}=([0-9a-f]+)`).exec(cookie)?.[1];
    const crumb = session ? this.sessions.get(session) : undefined;
    return crumb !== undefined && req.headers['jenkins-crumb'] === crumb;
  }

  /** Jenkins restarted or the sessions timed out: every crumb issued so far is void. */
  expireSessions(): void {
    this.sessions.clear();
  }
}

const noCrumb = {
  status: 403,
  text:
    '<html><head><title>Error 403 No valid crumb was included in the request</title></head>' +
    '<body><h2>HTTP ERROR 403 No valid crumb was included in the request</h2></body></html>',
};

const jobName = (path: string) => path.split('/job/').filter(Boolean).map(decodeURIComponent).join('/');
const jobPath = (job: string) =>
  job
    .split('/')
    .map((p) => `/job/${encodeURIComponent(p)}`)
    .join('');
