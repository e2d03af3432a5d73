import { z } from 'zod';
import type { StageKind } from '../../contracts.js';
import { PermanentJobError } from '../../../core/errors.js';
import type { WebhookCaller } from '../ports.js';
import { references } from '../placeholders.js';
import { builtin, stringMap } from './common.js';

const scalar = z.union([z.string(), z.number(), z.boolean()]).transform(String);

/** The settings once placeholders are filled in (what the stage runs with). */
export const httpRunSettings = z
  .object({
    /** Scheme, host and base path. Values typed at run time go in `path:` and `query:`, never here. */
    url: z.string().min(1),
    /** Path segments appended to `url`, each encoded as exactly one segment. */
    path: z.array(scalar).default([]),
    /** Query parameters appended to `url`, form-encoded. */
    query: z.record(z.string(), scalar).default({}),
    method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']).default('POST'),
    headers: z.record(z.string(), scalar).default({}),
    /** A map is sent as JSON; a string as is (a string may not carry run-time values). */
    body: z.union([z.string(), z.record(z.string(), z.unknown())]).optional(),
    /** Sent as application/x-www-form-urlencoded. */
    form: z.record(z.string(), scalar).optional(),
    /** Statuses that mean success; any 2xx when left out. */
    expect_status: z.array(z.number().int().min(100).max(599)).min(1).optional(),
  })
  .strict()
  .refine((s) => !(s.body !== undefined && s.form !== undefined), { message: 'give body or form, not both', path: ['form'] });

/**
 * Placeholders a person types at run time (`--param`, `--ref`). Inside the URL text they could
 * change the host, the path (`../`) or add query fields; inside a string body they could break out
 * of a JSON string. The workflow check refuses them there and names the encoded alternative.
 */
const typedAtRunTime = (ns: string, key: string) => ns === 'params' || (ns === 'run' && key === 'ref');

/** Checked when workflows load, on the settings as written (placeholders still in). */
export const httpSettings = httpRunSettings.superRefine((s, ctx) => {
  for (const r of references(s.url)) {
    if (typedAtRunTime(r.ns, r.key)) {
      ctx.addIssue({
        code: 'custom',
        path: ['url'],
        message:
          `\${{ ${r.ns}.${r.key} }} may not be part of the URL text: ` +
          `put it in \`path: [..]\` (one encoded segment) or \`query: { name: .. }\``,
      });
    }
  }
  if (typeof s.body === 'string') {
    for (const r of references(s.body)) {
      if (typedAtRunTime(r.ns, r.key)) {
        ctx.addIssue({
          code: 'custom',
          path: ['body'],
          message: `\${{ ${r.ns}.${r.key} }} may not be pasted into a text body: write the body as a map (sent as JSON) or use \`form:\``,
        });
      }
    }
  }
});

/** A header name or value with CR, LF or NUL would start another header (or be refused by fetch). */
const BREAKS = /[\r\n\0]/;

export function buildUrl(base: URL, path: readonly string[], query: Record<string, string>): URL {
  const url = new URL(base.href);
  path.forEach((seg, i) => {
    // URL parsers resolve `.` and `..` (and their %2E forms) as navigation, so they cannot be data.
    if (seg === '' || seg === '.' || seg === '..')
      throw new PermanentJobError(`with.path.${i} is empty, "." or ".." once placeholders are filled in: refused`);
  });
  if (path.length) url.pathname = `${url.pathname.replace(/\/$/, '')}/${path.map(encodeURIComponent).join('/')}`;
  for (const [k, v] of Object.entries(query)) url.searchParams.append(k, v);
  return url;
}

/** `http`: calls a webhook and judges success by the status. 5xx and network errors are retried. */
export function httpKind(caller: WebhookCaller): StageKind {
  return {
    kind: 'http',
    settings: httpSettings,
    attempts: 3,
    backoffMs: 1000,
    async run(ctx) {
      const b = builtin(ctx);
      const s = httpRunSettings.parse(ctx.settings);
      let base: URL;
      try {
        base = new URL(s.url);
      } catch {
        throw new PermanentJobError('with.url is not a valid URL once placeholders are filled in');
      }
      if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new PermanentJobError('with.url must be http or https');
      const url = buildUrl(base, s.path, s.query);
      const headers = stringMap(s.headers);
      for (const [k, v] of Object.entries(headers)) {
        if (BREAKS.test(k) || BREAKS.test(v))
          throw new PermanentJobError(
            `with.headers.${k.replace(BREAKS, '?')} carries a line break once placeholders are filled in: ` +
              `refused (a header value is one line)`,
          );
      }
      let body: string | undefined;
      if (typeof s.body === 'string') body = s.body;
      else if (s.body) {
        body = JSON.stringify(s.body);
        headers['content-type'] ??= 'application/json';
      } else if (s.form) {
        body = new URLSearchParams(s.form).toString();
        headers['content-type'] ??= 'application/x-www-form-urlencoded';
      }
      // An injected secret inside the URL (a webhook token in its path) may be only part of what
      // is shown, which masking by exact value cannot catch: then show the origin alone.
      const carriesSecret = [...ctx.secrets].some((x) => x.length > 0 && (s.url.includes(x) || url.href.includes(x)));
      await ctx.log(`${s.method} ${url.origin}${carriesSecret ? '/… (path hidden: it carries an injected secret)' : url.pathname}`);
      const res = await caller.call({
        url: url.toString(),
        method: s.method,
        headers,
        ...(body !== undefined ? { body } : {}),
        timeoutMs: b.timeoutMs,
        signal: ctx.signal,
      });
      if (res.body) await ctx.log(res.body.slice(0, 2000));
      const ok = s.expect_status ? s.expect_status.includes(res.status) : res.status >= 200 && res.status < 300;
      if (ok) return { status: 'succeeded', summary: `HTTP ${res.status}` };
      if (res.status >= 500 || res.status === 429) throw new Error(`HTTP ${res.status} from ${url.host}`);
      return { status: 'failed', summary: `HTTP ${res.status} from ${url.host}` };
    },
  };
}
