import { randomBytes, randomUUID } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { HttpServer } from '../../src/adapters/http/server.js';
import { Metrics } from '../../src/adapters/metrics.js';
import { createRedis } from '../../src/adapters/redis/connection.js';
import { RedisStore } from '../../src/adapters/redis/store.js';
import { AuditLog } from '../../src/core/audit.js';
import { ConflictError, ForbiddenError, NotFoundError, UpstreamError } from '../../src/core/errors.js';
import { bearer, defineRoute, hmacSha256, noAuth, routeInfo, signHmac } from '../../src/core/routes.js';
import { silentLogger, systemClock } from '../../src/core/ports/runtime.js';
import { cleanupPrefix, REDIS_URL, testPrefix } from '../support/redis.js';

// The webhook core from the sender's side: real HTTP on loopback, a real Redis. What an attacker
// can send (forged, stale, unsigned, oversized, malformed, replayed) changes nothing, and each
// refusal lands in the audit trail under the integration's name.
const prefix = testPrefix('routes');
const TOKEN = randomBytes(16).toString('hex');
const SECRET = randomBytes(16).toString('hex');
const INTERNAL = 'db-password=hunter2-do-not-leak';
let redis: Redis;
let store: RedisStore;
let audit: AuditLog;
let server: HttpServer;
let base = '';

const order = z.object({ item: z.string().min(1).max(40), qty: z.number().int().positive(), event_id: z.string().optional() });
const done = (item: string) => store.getJson<number>(store.key('orders', item));

async function place(o: z.infer<typeof order>): Promise<Record<string, unknown>> {
  if (o.item === 'missing') throw new NotFoundError('item', o.item, ['apple']);
  if (o.item === 'taken') throw new ConflictError('Already ordered.');
  if (o.item === 'forbidden') throw new ForbiddenError('Not for you.', 'role:buyer');
  if (o.item === 'flaky') throw new UpstreamError('warehouse', 'timed out');
  if (o.item === 'broken') throw new UpstreamError('warehouse', 'refused the order', { retryable: false });
  if (o.item === 'boom') throw new Error(`connect failed (${INTERNAL})`);
  const n = await store.incr(store.key('orders', o.item), o.qty);
  return { item: o.item, total: n };
}

beforeAll(async () => {
  redis = createRedis(REDIS_URL, { name: 'test-routes', log: silentLogger });
  store = new RedisStore(redis, prefix);
  audit = new AuditLog(store);
  const deps = { store, audit, clock: systemClock, log: silentLogger };
  const routes = [
    defineRoute(deps, {
      name: 'shop',
      method: 'POST',
      path: '/hooks/shop',
      summary: 'bearer',
      auth: bearer(TOKEN),
      body: order,
      delivery: { header: 'X-Shop-Delivery' },
      handle: (o, ctx) => (ctx.note({ target: o.item }), place(o)),
    }),
    defineRoute(deps, {
      name: 'signed',
      method: 'POST',
      path: '/hooks/signed',
      summary: 'hmac',
      auth: hmacSha256({ secret: SECRET, timestampHeader: 'X-Signed-Timestamp', signatureHeader: 'X-Signed-Signature', maxAgeS: 300 }),
      body: order,
      delivery: { field: 'event_id' },
      maxBodyBytes: 1024,
      handle: (o) => place(o),
    }),
    defineRoute(deps, {
      name: 'unset',
      method: 'POST',
      path: '/hooks/unset',
      summary: 'no token',
      auth: bearer(undefined),
      body: order,
      handle: place,
    }),
  ];
  server = new HttpServer({ host: '127.0.0.1', port: 0, log: silentLogger, metrics: new Metrics(), routes, ready: async () => true });
  base = `http://127.0.0.1:${await server.start()}`;
});

afterAll(async () => {
  await server?.stop();
  await cleanupPrefix(redis, prefix);
  await redis.quit();
});

interface Sent {
  status: number;
  body: Record<string, unknown>;
  text: string;
  requestId: string;
}

async function post(path: string, raw: string, headers: Record<string, string> = {}): Promise<Sent> {
  const requestId = randomUUID();
  const res = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-request-id': requestId, ...headers },
    body: raw,
  });
  const text = await res.text();
  return { status: res.status, body: JSON.parse(text) as Record<string, unknown>, text, requestId };
}

const shop = (body: unknown, headers: Record<string, string> = { authorization: `Bearer ${TOKEN}` }) =>
  post('/hooks/shop', JSON.stringify(body), headers);

function signed(body: unknown, o: { secret?: string; ts?: number; raw?: string; signedRaw?: string } = {}): Promise<Sent> {
  const raw = o.raw ?? JSON.stringify(body);
  const ts = String(o.ts ?? Math.floor(Date.now() / 1000));
  const sig = signHmac(o.secret ?? SECRET, 'v1', ts, o.signedRaw ?? raw);
  return post('/hooks/signed', raw, { 'x-signed-timestamp': ts, 'x-signed-signature': sig });
}

async function auditOf(actor: string, requestId: string) {
  const entries = await audit.query({ actor, limit: 1000 });
  return entries.filter((e) => e.requestId === requestId);
}

describe('defineRoute from the attacker side', () => {
  it('refuses a missing, wrong or differently-schemed bearer token, runs nothing, and audits each refusal', async () => {
    const tries: Array<Record<string, string>> = [
      {},
      { authorization: `Bearer ${TOKEN.slice(0, -1)}x` },
      { authorization: `Bearer ${TOKEN}${TOKEN}` },
      { authorization: `Bearer ${TOKEN.slice(0, 8)}` },
      { authorization: `Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}` },
      { authorization: TOKEN },
    ];
    for (const headers of tries) {
      const res = await shop({ item: 'pear', qty: 1 }, headers);
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ ok: false, error: 'unauthorized' });
      expect(await auditOf('shop', res.requestId)).toEqual([
        expect.objectContaining({ action: 'hook shop', outcome: 'refused', detail: 'missing or wrong bearer token' }),
      ]);
    }
    expect(await done('pear')).toBeNull();
    const ok = await shop({ item: 'pear', qty: 2 });
    expect(ok).toMatchObject({ status: 200, body: { ok: true, item: 'pear', total: 2 } });
    expect(await auditOf('shop', ok.requestId)).toEqual([expect.objectContaining({ action: 'hook shop', outcome: 'ok', target: 'pear' })]);
  });

  it('refuses a forged signature, a signature over another body and a stale or future timestamp', async () => {
    const body = { item: 'plum', qty: 1 };
    const now = Math.floor(Date.now() / 1000);
    const refusals = [
      await signed(body, { secret: 'not-the-secret-at-all' }),
      await signed(body, { signedRaw: JSON.stringify({ item: 'plum', qty: 0.5 }) }),
      await signed(body, { ts: now - 301 }),
      await signed(body, { ts: now + 600 }),
      await post('/hooks/signed', JSON.stringify(body), { 'x-signed-timestamp': String(now) }),
      await post('/hooks/signed', JSON.stringify(body), {
        'x-signed-timestamp': `${now}.5`,
        'x-signed-signature': signHmac(SECRET, 'v1', `${now}.5`, JSON.stringify(body)),
      }),
    ];
    for (const res of refusals) {
      expect(res.status).toBe(401);
      expect(res.body.error).toBe('invalid_signature');
      expect(await auditOf('signed', res.requestId)).toEqual([expect.objectContaining({ action: 'hook signed', outcome: 'refused' })]);
    }
    expect((await auditOf('signed', refusals[2]!.requestId))[0]!.detail).toContain('300 s');
    expect(await done('plum')).toBeNull();
    expect(await signed(body, { ts: now - 200 })).toMatchObject({ status: 200, body: { total: 1 } });
  });

  it('answers a body that does not match the schema with 400 and a clear message, changing nothing', async () => {
    const bad = await shop({ item: 'fig', qty: -3 });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ ok: false, error: 'invalid_payload', issues: [expect.stringContaining('qty')] });
    expect(String(bad.body.message)).toMatch(/does not match the schema: qty: /);
    const notJson = await post('/hooks/shop', '{"item": "fig", qty', { authorization: `Bearer ${TOKEN}` });
    expect(notJson).toMatchObject({ status: 400, body: { error: 'invalid_json' } });
    const array = await shop([{ item: 'fig', qty: 1 }]);
    expect(array.status).toBe(400);
    expect(await done('fig')).toBeNull();
    for (const res of [bad, notJson, array])
      expect(await auditOf('shop', res.requestId)).toEqual([expect.objectContaining({ outcome: 'usage' })]);
    // Validation never runs for an unsigned sender: it learns nothing about the schema.
    const unsigned = await post('/hooks/signed', JSON.stringify({ qty: 'x' }));
    expect(unsigned).toMatchObject({ status: 401, body: { ok: false, error: 'invalid_signature' } });
  });

  it('refuses an oversized body with 413 before looking at it, and audits it', async () => {
    const huge = { item: 'melon', qty: 1, pad: 'x'.repeat(4000) };
    const res = await signed(huge);
    expect(res).toMatchObject({ status: 413, body: { ok: false, error: 'body_too_large' } });
    expect(await auditOf('signed', res.requestId)).toEqual([
      expect.objectContaining({ outcome: 'refused', detail: 'body over 1024 bytes' }),
    ]);
    expect(await done('melon')).toBeNull();
  });

  it('acts once on a redelivery: the same delivery id gets the first answer back', async () => {
    const headers = { authorization: `Bearer ${TOKEN}`, 'x-shop-delivery': 'dlv-1' };
    const first = await shop({ item: 'kiwi', qty: 1 }, headers);
    expect(first).toMatchObject({ status: 200, body: { total: 1 } });
    const again = await shop({ item: 'kiwi', qty: 1 }, headers);
    expect(again.body).toEqual(first.body);
    expect(await done('kiwi')).toBe(1);
    expect((await auditOf('shop', again.requestId))[0]!.detail).toContain('redelivery of dlv-1');
    // A new delivery id acts again; a delivery id in a body field works the same way.
    expect((await shop({ item: 'kiwi', qty: 1 }, { ...headers, 'x-shop-delivery': 'dlv-2' })).body.total).toBe(2);
    const racing = await Promise.all(Array.from({ length: 6 }, () => signed({ item: 'lime', qty: 1, event_id: 'evt-9' })));
    expect(await done('lime')).toBe(1);
    expect(racing.every((r) => r.status === 200 || (r.status === 409 && r.body.error === 'delivery_in_progress'))).toBe(true);
    expect(racing.filter((r) => r.status === 200).every((r) => r.body.total === 1)).toBe(true);
  });

  it('a redelivery of a delivery that failed with a 5xx runs again; one refused with a 4xx gets the same answer', async () => {
    const headers = { authorization: `Bearer ${TOKEN}`, 'x-shop-delivery': 'dlv-flaky' };
    expect((await shop({ item: 'flaky', qty: 1 }, headers)).status).toBe(503);
    expect((await shop({ item: 'flaky', qty: 1 }, headers)).status).toBe(503);
    const flakyAudit = await audit.query({ actor: 'shop', limit: 1000 });
    expect(flakyAudit.filter((e) => e.detail?.startsWith('warehouse: timed out'))).toHaveLength(2);
    const missing = await shop({ item: 'missing', qty: 1 }, { ...headers, 'x-shop-delivery': 'dlv-missing' });
    const replay = await shop({ item: 'missing', qty: 1 }, { ...headers, 'x-shop-delivery': 'dlv-missing' });
    expect(replay).toMatchObject({ status: 404, body: missing.body });
    expect(await auditOf('shop', replay.requestId)).toEqual([
      expect.objectContaining({ outcome: 'not_found', detail: expect.stringContaining('redelivery of dlv-missing') }),
    ]);
  });

  it('maps coded errors to statuses and never answers an unexpected error with its text', async () => {
    const statuses: Record<string, [number, string]> = {
      missing: [404, 'not_found'],
      taken: [409, 'conflict'],
      forbidden: [403, 'forbidden'],
      flaky: [503, 'upstream'],
      broken: [502, 'upstream'],
    };
    for (const [item, [status, error]] of Object.entries(statuses)) {
      const res = await shop({ item, qty: 1 });
      expect(res.status, item).toBe(status);
      expect(res.body).toMatchObject({ ok: false, error });
    }
    const boom = await shop({ item: 'boom', qty: 1 });
    expect(boom).toMatchObject({ status: 500, body: { ok: false, error: 'internal_error', requestId: boom.requestId } });
    expect(boom.text).not.toContain('hunter2');
    const entry = (await auditOf('shop', boom.requestId))[0]!;
    expect(entry.outcome).toBe('error');
    expect(JSON.stringify(entry)).not.toContain('hunter2');
    expect((await auditOf('shop', (await shop({ item: 'forbidden', qty: 1 })).requestId))[0]!.outcome).toBe('refused');
  });

  it('answers 503 for a route whose secret is not configured, whatever is sent', async () => {
    const res = await post('/hooks/unset', JSON.stringify({ item: 'x', qty: 1 }), { authorization: 'Bearer undefined' });
    expect(res).toMatchObject({ status: 503, body: { ok: false, error: 'unset_not_configured' } });
    expect(await auditOf('unset', res.requestId)).toHaveLength(1);
  });

  it('an open route must give its reason, and routes say what they are', () => {
    expect(() => noAuth('  ')).toThrow(/reason/);
    const deps = { store, audit, clock: systemClock, log: silentLogger };
    const open = defineRoute(deps, {
      name: 'ping',
      method: 'POST',
      path: '/hooks/ping',
      summary: 'x',
      auth: noAuth('carries no data; answers ok'),
      body: z.object({}),
      handle: async () => ({}),
    });
    expect(routeInfo(open)).toEqual({ name: 'ping', method: 'POST', path: '/hooks/ping', summary: 'x', auth: 'none' });
    expect(routeInfo({ method: 'POST', path: '/x', handle: async () => ({ status: 200 }) })).toBeUndefined();
  });
});

// Webhook auth and body parsing live in one place: nothing else in src reads a raw body or
// compares secrets by hand.
describe('one way in for webhooks', () => {
  it('only the route core and the HTTP transport touch raw bodies or constant-time compares', () => {
    const allowed = new Set(['src/core/routes.ts', 'src/core/module.ts', 'src/adapters/http/server.ts']);
    const offenders: string[] = [];
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const p = join(dir, name);
        if (statSync(p).isDirectory()) walk(p);
        else if (p.endsWith('.ts') && !allowed.has(p) && /rawBody|timingSafeEqual/.test(readFileSync(p, 'utf8'))) offenders.push(p);
      }
    };
    walk('src');
    expect(offenders).toEqual([]);
  });
});
