import { z } from 'zod';
import type { StageKind } from '../../contracts.js';
import { PermanentJobError } from '../../../core/errors.js';
import type { WebhookCaller } from '../ports.js';
import { builtin, stringMap } from './common.js';

const scalar = z.union([z.string(), z.number(), z.boolean()]).transform(String);

export const httpSettings = z
  .object({
    url: z.string().min(1),
    method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']).default('POST'),
    headers: z.record(z.string(), scalar).default({}),
    /** A string is sent as is; an object as JSON. */
    body: z.union([z.string(), z.record(z.string(), z.unknown())]).optional(),
    /** Statuses that mean success; any 2xx when left out. */
    expect_status: z.array(z.number().int().min(100).max(599)).min(1).optional(),
  })
  .strict();

/** `http`: calls a webhook and judges success by the status. 5xx and network errors are retried. */
export function httpKind(caller: WebhookCaller): StageKind {
  return {
    kind: 'http',
    settings: httpSettings,
    attempts: 3,
    backoffMs: 1000,
    async run(ctx) {
      const b = builtin(ctx);
      const s = httpSettings.parse(ctx.settings);
      let url: URL;
      try {
        url = new URL(s.url);
      } catch {
        throw new PermanentJobError('with.url is not a valid URL once placeholders are filled in');
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new PermanentJobError('with.url must be http or https');
      const headers = stringMap(s.headers);
      let body: string | undefined;
      if (typeof s.body === 'string') body = s.body;
      else if (s.body) {
        body = JSON.stringify(s.body);
        headers['content-type'] ??= 'application/json';
      }
      // An injected secret inside the URL (a webhook token in its path) may be only part of what
      // is shown, which masking by exact value cannot catch: then show the origin alone.
      const carriesSecret = [...ctx.secrets].some((x) => x.length > 0 && (s.url.includes(x) || url.href.includes(x)));
      await ctx.log(`${s.method} ${url.origin}${carriesSecret ? '/… (path hidden: it carries an injected secret)' : url.pathname}`);
      const res = await caller.call({ url: url.toString(), method: s.method, headers, ...(body !== undefined ? { body } : {}), timeoutMs: b.timeoutMs, signal: ctx.signal });
      if (res.body) await ctx.log(res.body.slice(0, 2000));
      const ok = s.expect_status ? s.expect_status.includes(res.status) : res.status >= 200 && res.status < 300;
      if (ok) return { status: 'succeeded', summary: `HTTP ${res.status}` };
      if (res.status >= 500 || res.status === 429) throw new Error(`HTTP ${res.status} from ${url.host}`);
      return { status: 'failed', summary: `HTTP ${res.status} from ${url.host}` };
    },
  };
}
