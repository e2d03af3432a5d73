import { CiFake } from './ci-server.js';

/**
 * Jenkins remote access API: POST /job/<a>/job/<b>/buildWithParameters (basic auth with an API
 * token) answers 201 with `Location: <root>/queue/item/<n>/`; the queue item's api/json names
 * `executable.url` once an executor picks it up; the build's api/json reports building/result.
 * A build whose REF parameter is "broken" ends in FAILURE.
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
  private nextItem = 310;
  private nextBuild = 57;

  constructor(private readonly o: { user: string; token: string }) {
    super();
    const auth = (h: string | string[] | undefined) => h === `Basic ${Buffer.from(`${this.o.user}:${this.o.token}`).toString('base64')}`;
    const unauthorized = { status: 401, json: { message: 'Unauthorized' } };
    this.on('POST', /^((?:\/job\/[^/]+)+)\/buildWithParameters$/, (req, m) => {
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
      if (!item.build && Date.now() - item.atMs < 80) return { status: 200, json: { id: Number(m[1]), why: 'Waiting for next available executor', executable: null } };
      if (!item.build) {
        item.build = this.nextBuild++;
        this.builds.set(`${item.job}#${item.build}`, { number: item.build, job: item.job, params: item.params, startedMs: Date.now(), result: null });
      }
      return { status: 200, json: { id: Number(m[1]), why: null, executable: { number: item.build, url: `${this.url}${jobPath(item.job)}/${item.build}/` } } };
    });
    this.on('GET', /^((?:\/job\/[^/]+)+)\/(\d+)\/api\/json$/, (req, m) => {
      if (!auth(req.headers.authorization)) return unauthorized;
      const b = this.builds.get(`${jobName(m[1]!)}#${m[2]}`);
      if (!b) return { status: 404 };
      if (b.result === null && Date.now() - b.startedMs > 200) b.result = b.params.REF === 'broken' ? 'FAILURE' : 'SUCCESS';
      return { status: 200, json: { number: b.number, building: b.result === null, result: b.result, url: `${this.url}${jobPath(b.job)}/${b.number}/`, fullDisplayName: `${b.job} #${b.number}` } };
    });
    this.on('POST', /^((?:\/job\/[^/]+)+)\/(\d+)\/stop$/, (req, m) => {
      if (!auth(req.headers.authorization)) return unauthorized;
      const b = this.builds.get(`${jobName(m[1]!)}#${m[2]}`);
      if (b && b.result === null) b.result = 'ABORTED';
      return { status: 302, headers: { location: `${this.url}${m[1]}/${m[2]}/` } };
    });
    this.on('POST', /^\/queue\/cancelItem$/, (req) => {
      if (!auth(req.headers.authorization)) return unauthorized;
      const item = this.queue.get(Number(req.query.get('id')));
      if (item) item.cancelled = true;
      return { status: 204 };
    });
  }
}

const jobName = (path: string) => path.split('/job/').filter(Boolean).map(decodeURIComponent).join('/');
const jobPath = (job: string) => job.split('/').map((p) => `/job/${encodeURIComponent(p)}`).join('');
