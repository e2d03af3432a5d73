/**
 * The one masker. Every place that shows text which may carry a secret (stage logs, error
 * summaries, approval requests, inspector findings, `/config` views, and the outbound Slack
 * boundary) masks through here, with one token.
 *
 * A secret is masked in every form it is likely to be printed in: the whole value, each line of a
 * multi-line value (a PEM key echoed by a stage arrives line by line, as GitHub Actions masks it),
 * its base64 (whole, and wrapped at 64 and 76 columns as PEM and MIME wrap it), and its JSON- and
 * URL-escaped forms (a value inside a JSON document or a query string).
 */
export const MASK = '••••';

/** Fragments shorter than this are not masked on their own: `}` or `ab` would mask ordinary text. */
const MIN_FRAGMENT = 4;

function wrapped(text: string, width: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += width) out.push(text.slice(i, i + width));
  return out;
}

/** Every form of one secret worth masking, longest first. */
export function secretForms(secret: string): string[] {
  if (secret.length === 0) return [];
  const forms = new Set<string>([secret]);
  const lines = secret.split(/\r?\n/).map((l) => l.trim());
  if (lines.length > 1) for (const l of lines) forms.add(l);
  const b64 = Buffer.from(secret, 'utf8').toString('base64');
  forms.add(b64);
  if (b64.length > 64) for (const l of [...wrapped(b64, 64), ...wrapped(b64, 76)]) forms.add(l);
  forms.add(JSON.stringify(secret).slice(1, -1));
  forms.add(encodeURIComponent(secret));
  return [...forms].filter((f) => f.length >= MIN_FRAGMENT || f === secret).sort((a, b) => b.length - a.length);
}

/** Replaces every form of every secret with the mask. */
export function maskSecrets(text: string, secrets: Iterable<string>): string {
  const forms = new Set<string>();
  for (const s of secrets) for (const f of secretForms(s)) forms.add(f);
  if (forms.size === 0 || text.length === 0) return text;
  let out = text;
  for (const f of [...forms].sort((a, b) => b.length - a.length)) if (out.includes(f)) out = out.split(f).join(MASK);
  return out;
}

/** A JSON-able value with every string masked (the JSON-escaped form catches multi-line values). */
export function maskDeep<T>(value: T, secrets: Iterable<string>): T {
  const list = [...secrets].filter((s) => s.length > 0);
  if (!list.length) return value;
  return JSON.parse(maskSecrets(JSON.stringify(value), list)) as T;
}

/**
 * The secret values this process has handled recently (resolved for a stage by the pipelines executor),
 * so the outbound boundary can mask them whatever path a value took. Kept in memory only, and only
 * for a while: a secret should live in memory no longer than the work that needed it.
 */
export class SecretRegistry {
  private readonly values = new Map<string, number>();

  constructor(
    private readonly ttlMs = 60 * 60_000,
    private readonly max = 2000,
    private readonly now: () => number = Date.now,
  ) {}

  remember(...secrets: Iterable<string>[]): void {
    const expires = this.now() + this.ttlMs;
    for (const list of secrets) {
      for (const s of list) {
        if (!s) continue;
        this.values.delete(s);
        this.values.set(s, expires);
      }
    }
    // Oldest first in a Map: drop the oldest past the bound.
    for (const key of this.values.keys()) {
      if (this.values.size <= this.max) break;
      this.values.delete(key);
    }
  }

  /** The secrets still remembered (expired ones are forgotten as a side effect). */
  current(): string[] {
    const now = this.now();
    for (const [k, exp] of this.values) if (exp <= now) this.values.delete(k);
    return [...this.values.keys()];
  }

  mask(text: string): string {
    return this.values.size ? maskSecrets(text, this.current()) : text;
  }
}
