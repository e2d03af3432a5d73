import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { z } from 'zod';
import type { AuditLog, AuditOutcome } from './audit.js';
import { isSwitchyardError, UpstreamError, type ErrorCode } from './errors.js';
import type { HttpRequest, HttpResponse, HttpRoute } from './module.js';
import type { Clock, Logger } from './ports/runtime.js';
import type { Store } from './ports/store.js';
import { signHmac, type RouteAuth } from './route-auth.js';

/**
 * Webhooks as specs: `defineRoute(ctx, { name, method, path, auth, body, delivery?, handle })`.
 * Every route runs through one path here: size, authenticate, parse, validate, de-duplicate a
 * redelivery, run the handler, audit (actor = the integration's name) and map errors to one
 * status. Handlers keep only domain logic: they get the typed body and throw coded errors.
 */

export { bearer, hmacBody, hmacSha256, noAuth, sharedSecret, signHmac, type RouteAuth } from './route-auth.js';

export interface RouteContext {
  requestId: string;
  /** Set when the route declares `delivery` and the sender gave one. */
  deliveryId?: string;
  /** What the audit entry says: `action` is appended (`hook helpdesk link`), `target` an id. */
  note(what: { action?: string; target?: string; detail?: string }): void;
}

export interface RouteSpec<S extends z.ZodType> {
  /** The integration: audit actor, action `hook <name>`, error `<name>_not_configured`. */
  name: string;
  method: 'POST';
  path: string;
  summary: string;
  auth: RouteAuth;
  /** The JSON body; a body that does not match answers 400 with the problems and runs nothing. */
  body: S;
  /**
   * The sender's delivery id (a header, or a body field, dotted when nested: `event.id`): a redelivery with the same id
   * does not run the handler again but gets the first answer back.
   */
  delivery?: { header: string } | { field: string };
  /** How long a delivery id is remembered (default 24 h). */
  dedupeTtlMs?: number;
  /** Default 1 MiB; a larger body answers 413. */
  maxBodyBytes?: number;
  /** Overrides of the status a coded error maps to. */
  errors?: Partial<Record<ErrorCode, number>>;
  /** Returns the fields of the 200 answer (`ok: true` is added). */
  handle(body: z.output<S>, ctx: RouteContext): Promise<Record<string, unknown>>;
}

export interface RouteDeps {
  store: Store;
  audit: AuditLog;
  clock: Clock;
  log: Logger;
}

export interface RouteInfo {
  name: string;
  method: string;
  path: string;
  summary: string;
  auth: RouteAuth['kind'];
}

const MAX_BODY = 1024 * 1024;
const DEDUPE_MS = 24 * 60 * 60_000;
/** A delivery whose process died mid-way is claimed this long; then its redelivery runs. */
const PENDING_MS = 5 * 60_000;

const STATUS: Record<ErrorCode, number> = {
  usage: 400,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  invalid_state: 409,
  upstream: 503,
  config: 500,
  internal: 500,
};
const OUTCOME: Record<ErrorCode, AuditOutcome> = {
  usage: 'usage',
  forbidden: 'refused',
  not_found: 'not_found',
  conflict: 'conflict',
  invalid_state: 'conflict',
  upstream: 'error',
  config: 'error',
  internal: 'error',
};

/** A request the core turns away before (or instead of) the handler. */
class Refusal extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly outcome: AuditOutcome,
    readonly why: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(why);
  }
}

const built = new WeakMap<HttpRoute, RouteInfo>();

/** What a route built by `defineRoute` declares; undefined for a hand-made route. */
export function routeInfo(route: HttpRoute): RouteInfo | undefined {
  return built.get(route);
}

export function defineRoute<S extends z.ZodType>(deps: RouteDeps, spec: RouteSpec<S>): HttpRoute {
  const maxBodyBytes = spec.maxBodyBytes ?? MAX_BODY;
  const route: HttpRoute = { method: spec.method, path: spec.path, maxBodyBytes, handle: (req) => run(deps, spec, maxBodyBytes, req) };
  built.set(route, { name: spec.name, method: spec.method, path: spec.path, summary: spec.summary, auth: spec.auth.kind });
  return route;
}

async function run<S extends z.ZodType>(
  deps: RouteDeps,
  spec: RouteSpec<S>,
  maxBodyBytes: number,
  req: HttpRequest,
): Promise<HttpResponse> {
  let noted: { action?: string; target?: string; detail?: string } = {};
  const audit = (outcome: AuditOutcome, detail?: string) =>
    deps.audit
      .record({
        actor: spec.name,
        action: `hook ${spec.name}${noted.action ? ` ${noted.action}` : ''}`,
        outcome,
        ...(noted.target ? { target: noted.target } : {}),
        ...(detail ? { detail: detail.slice(0, 300) } : {}),
        requestId: req.requestId,
      })
      .catch((err: Error) => deps.log.error({ err: err.message, route: spec.name }, 'audit write failed'));
  let claimed: string | undefined;
  try {
    if (req.bodyTooLarge) throw new Refusal(413, 'body_too_large', 'refused', `body over ${maxBodyBytes} bytes`);
    authenticate(spec, req, deps.clock.now());
    const body = parse(spec.body, req.rawBody);
    const deliveryId = deliveryOf(spec, req, body);
    if (deliveryId) {
      claimed = deps.store.key('dedupe', 'hook', spec.name, createHash('sha256').update(deliveryId).digest('hex').slice(0, 32));
      const first = await deps.store.setJson(claimed, { state: 'pending' }, { ttlMs: PENDING_MS, onlyIfAbsent: true });
      if (!first) {
        const seen = await deps.store.getJson<{ state: string; response?: HttpResponse; outcome?: AuditOutcome }>(claimed);
        claimed = undefined;
        if (seen?.state === 'done' && seen.response) {
          await audit(seen.outcome ?? 'ok', `redelivery of ${deliveryId}: answered as the first time, nothing run`);
          return seen.response;
        }
        throw new Refusal(409, 'delivery_in_progress', 'conflict', `delivery ${deliveryId} is still being handled`);
      }
    }
    const ctx: RouteContext = {
      requestId: req.requestId,
      ...(deliveryId ? { deliveryId } : {}),
      note: (what) => void (noted = { ...noted, ...what }),
    };
    const result = await spec.handle(body, ctx);
    const response = { status: 200, body: { ok: true, ...result } };
    await remember(deps, claimed, response, 'ok', spec.dedupeTtlMs);
    await audit('ok', noted.detail ?? (deliveryId ? `delivery ${deliveryId}` : undefined));
    return response;
  } catch (err) {
    const { response, outcome, detail } = mapError(deps, spec, req.requestId, err);
    // A 5xx is the sender's cue to retry: forget the delivery so the retry runs.
    if (response.status >= 500) await forget(deps, claimed);
    else await remember(deps, claimed, response, outcome, spec.dedupeTtlMs);
    await audit(outcome, detail);
    return response;
  }
}

function authenticate(spec: RouteSpec<z.ZodType>, req: HttpRequest, nowMs: number): void {
  const a = spec.auth;
  if (a.kind === 'none') return;
  const secret = a.kind === 'bearer' ? a.token : a.secret;
  if (!secret) throw new Refusal(503, `${spec.name}_not_configured`, 'error', 'no secret configured for this route');
  if (a.kind === 'body-hmac') {
    const expected = `${a.version}=${createHmac('sha256', secret).update(req.rawBody).digest('hex')}`;
    const listed = (req.headers[a.signatureHeader] ?? '').split(',').map((x) => x.trim());
    if (!listed.some((sig) => sameSecret(sig, expected))) throw new Refusal(401, 'invalid_signature', 'refused', 'no signature matches');
    return;
  }
  if (a.kind === 'shared') {
    const auth = req.headers.authorization ?? '';
    const basic = auth.startsWith('Basic ') ? Buffer.from(auth.slice(6), 'base64').toString('utf8') : '';
    const ok = a.header ? sameSecret(req.headers[a.header] ?? '', secret) : sameSecret(basic, `${a.basicUser}:${secret}`);
    if (!ok) throw new Refusal(401, 'unauthorized', 'refused', 'missing or wrong shared secret');
    return;
  }
  if (a.kind === 'bearer') {
    const header = req.headers.authorization;
    if (!header?.startsWith('Bearer ') || !sameSecret(header.slice(7), secret))
      throw new Refusal(401, 'unauthorized', 'refused', 'missing or wrong bearer token');
    return;
  }
  const ts = req.headers[a.timestampHeader];
  const sig = req.headers[a.signatureHeader];
  if (!ts || !sig) throw new Refusal(401, 'invalid_signature', 'refused', 'missing signature or timestamp');
  if (!/^\d{1,12}$/.test(ts) || Math.abs(nowMs / 1000 - Number(ts)) > a.maxAgeS) {
    throw new Refusal(401, 'invalid_signature', 'refused', `timestamp malformed or more than ${a.maxAgeS} s from our clock`, {
      message: `The timestamp must be unix seconds within ${a.maxAgeS} s of now.`,
    });
  }
  if (!sameSecret(sig, signHmac(secret, a.version, ts, req.rawBody)))
    throw new Refusal(401, 'invalid_signature', 'refused', 'signature does not match');
}

/** Constant time whatever the lengths: both sides are hashed to 32 bytes first. */
function sameSecret(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

function parse<S extends z.ZodType>(schema: S, raw: Buffer): z.output<S> {
  let json: unknown;
  try {
    json = JSON.parse(raw.toString('utf8'));
  } catch {
    throw new Refusal(400, 'invalid_json', 'usage', 'body is not JSON', { message: 'The body is not valid JSON.' });
  }
  const parsed = schema.safeParse(json);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`);
  throw new Refusal(400, 'invalid_payload', 'usage', issues.join('; '), {
    message: `The body does not match the schema: ${issues.join('; ')}`,
    issues,
  });
}

function deliveryOf(spec: RouteSpec<z.ZodType>, req: HttpRequest, body: unknown): string | undefined {
  const d = spec.delivery;
  if (!d) return undefined;
  const field = (o: unknown, k: string): unknown => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined);
  const raw = 'header' in d ? req.headers[d.header.toLowerCase()] : d.field.split('.').reduce(field, body);
  if (raw === undefined || raw === null || raw === '') return undefined;
  const id = String(raw);
  if (id.length > 200 || !/^[\w.:#-]+$/.test(id))
    throw new Refusal(400, 'invalid_delivery_id', 'usage', 'delivery id malformed', {
      message: 'The delivery id must be at most 200 letters, digits and . _ : # -',
    });
  return id;
}

function mapError(
  deps: RouteDeps,
  spec: RouteSpec<z.ZodType>,
  requestId: string,
  err: unknown,
): { response: HttpResponse; outcome: AuditOutcome; detail?: string } {
  if (err instanceof Refusal)
    return { response: { status: err.status, body: { ok: false, error: err.error, ...err.extra } }, outcome: err.outcome, detail: err.why };
  if (isSwitchyardError(err) && err.code !== 'internal' && err.code !== 'config') {
    const retry = err instanceof UpstreamError && !err.retryable ? 502 : undefined;
    const status = spec.errors?.[err.code] ?? retry ?? STATUS[err.code];
    return {
      response: { status, body: { ok: false, error: err.code, message: err.message, hints: err.hints } },
      outcome: OUTCOME[err.code],
      detail: err.message,
    };
  }
  // Anything else may carry internals (or secrets) in its text: logged here, never answered.
  deps.log.error(
    { requestId, route: spec.name, err: err instanceof Error ? { name: err.name, message: err.message, stack: err.stack } : String(err) },
    'webhook handler failed',
  );
  return {
    response: { status: 500, body: { ok: false, error: 'internal_error', requestId } },
    outcome: 'error',
    detail: `unexpected error, see logs for ${requestId}`,
  };
}

/** Best effort: failing to remember must not turn a handled delivery into a 5xx the sender retries. */
async function remember(
  deps: RouteDeps,
  key: string | undefined,
  response: HttpResponse,
  outcome: AuditOutcome,
  ttlMs = DEDUPE_MS,
): Promise<void> {
  if (key)
    await deps.store
      .setJson(key, { state: 'done', response, outcome }, { ttlMs })
      .catch((err: Error) => deps.log.error({ err: err.message }, 'delivery not remembered'));
}

async function forget(deps: RouteDeps, key: string | undefined): Promise<void> {
  if (key) await deps.store.del(key).catch(() => 0);
}
