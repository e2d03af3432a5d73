import { UpstreamError } from '../core/errors.js';

/**
 * The few Slack Web API reads `npm run init` and `npm run doctor` make, over plain fetch: these
 * tools need the `x-oauth-scopes` response header and a Slack error name they can explain, and
 * must give up in seconds instead of retrying for half an hour as the bot's client does.
 */
export interface SlackAnswer {
  ok: boolean;
  error?: string;
  [key: string]: unknown;
}

export class SlackReader {
  private readonly base: string;

  constructor(
    private readonly token: string,
    apiUrl = 'https://slack.com/api/',
    private readonly timeoutMs = 10_000,
  ) {
    this.base = apiUrl.endsWith('/') ? apiUrl : `${apiUrl}/`;
  }

  /** One call; a Slack `ok:false` comes back as data, a network failure or HTTP error throws. */
  async call(method: string, args: Record<string, string | number | boolean> = {}): Promise<{ body: SlackAnswer; headers: Headers }> {
    const form = new URLSearchParams(Object.entries(args).map(([k, v]): [string, string] => [k, String(v)]));
    for (let attempt = 0; ; attempt++) {
      let res: Response;
      try {
        res = await fetch(`${this.base}${method}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${this.token}`, 'content-type': 'application/x-www-form-urlencoded' },
          body: form.toString(),
          signal: AbortSignal.timeout(this.timeoutMs),
        });
      } catch (err) {
        // fetch says only "fetch failed"; the cause names it (ECONNREFUSED, ENOTFOUND, bad port).
        const cause = (err as { cause?: { code?: string; message?: string } }).cause;
        throw new UpstreamError(
          'slack',
          `${method}: Slack did not answer at ${this.base} (${cause?.code ?? cause?.message ?? (err as Error).message})`,
          { cause: err },
        );
      }
      // Rate limited (tier 2 methods allow ~20 a minute): wait as told, a few times at most.
      if (res.status === 429 && attempt < 3) {
        await new Promise((r) => setTimeout(r, Math.min(Number(res.headers.get('retry-after') ?? 1), 30) * 1000));
        continue;
      }
      if (!res.ok) throw new UpstreamError('slack', `${method}: HTTP ${res.status} from ${this.base}`);
      return { body: (await res.json()) as SlackAnswer, headers: res.headers };
    }
  }

  /** A call that must succeed: `ok:false` throws with Slack's error name. */
  async must(method: string, args: Record<string, string | number | boolean> = {}): Promise<SlackAnswer> {
    const { body } = await this.call(method, args);
    if (!body.ok) throw new UpstreamError('slack', `${method} failed: ${body.error ?? 'unknown error'}`);
    return body;
  }

  /** Every item of a cursor-paginated list (response_metadata.next_cursor), `key` naming the array. */
  async all<T>(method: string, key: string, args: Record<string, string | number | boolean> = {}): Promise<T[]> {
    const out: T[] = [];
    let cursor = '';
    for (let pages = 0; pages < 1000; pages++) {
      const body = await this.must(method, { limit: 200, ...args, ...(cursor ? { cursor } : {}) });
      out.push(...((body[key] as T[] | undefined) ?? []));
      cursor = (body.response_metadata as { next_cursor?: string } | undefined)?.next_cursor ?? '';
      if (!cursor) break;
    }
    return out;
  }
}
