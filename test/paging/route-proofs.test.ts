import { createHmac, randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { HttpServer } from '../../src/adapters/http/server.js';
import { Metrics } from '../../src/adapters/metrics.js';
import { createRedis } from '../../src/adapters/redis/connection.js';
import { RedisStore } from '../../src/adapters/redis/store.js';
import { AuditLog } from '../../src/core/audit.js';
import { silentLogger, systemClock } from '../../src/core/ports/runtime.js';
import { defineRoute, hmacBody, sharedSecret } from '../../src/core/routes.js';
import { cleanupPrefix, REDIS_URL, testPrefix } from '../support/redis.js';

// The two proofs the paging tools use, from the sender's side over loopback HTTP: a signature of
// the raw body alone (PagerDuty; several listed while a secret rotates) and a shared secret sent
// as basic auth (Opsgenie's alternative to a header). A refused request runs nothing.
const prefix = testPrefix('route-proofs');
const SECRET = randomBytes(16).toString('hex');
let redis: Redis;
let store: RedisStore;
let server: HttpServer;
let base = '';
const ran: string[] = [];

beforeAll(async () => {
  redis = createRedis(REDIS_URL, { name: 'test-route-proofs', log: silentLogger });
  store = new RedisStore(redis, prefix);
  const deps = { store, audit: new AuditLog(store), clock: systemClock, log: silentLogger };
  const body = z.object({ n: z.string() });
  const routes = [
    defineRoute(deps, {
      name: 'signed-body',
      method: 'POST',
      path: '/hooks/signed-body',
      summary: 'x',
      auth: hmacBody({ secret: SECRET, signatureHeader: 'X-Sig' }),
      body,
      handle: async (b) => (ran.push(`signed ${b.n}`), {}),
    }),
    defineRoute(deps, {
      name: 'basic',
      method: 'POST',
      path: '/hooks/basic',
      summary: 'x',
      auth: sharedSecret({ secret: SECRET, basicUser: 'switchyard' }),
      body,
      handle: async (b) => (ran.push(`basic ${b.n}`), {}),
    }),
  ];
  server = new HttpServer({ host: '127.0.0.1', port: 0, log: silentLogger, metrics: new Metrics(), routes, ready: async () => true });
  base = `http://127.0.0.1:${await server.start()}`;
});
afterAll(async () => {
  await server?.stop();
  await cleanupPrefix(redis, prefix);
  await redis?.quit();
});

const post = async (path: string, raw: string, headers: Record<string, string>) =>
  (await fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: raw })).status;
const sig = (secret: string, raw: string) => `v1=${createHmac('sha256', secret).update(raw).digest('hex')}`;
const basic = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;

describe('webhook proofs of the paging tools', () => {
  it('a body signature: any listed one may match; none, a forged one or a changed body is refused', async () => {
    const raw = JSON.stringify({ n: '1' });
    expect(await post('/hooks/signed-body', raw, {})).toBe(401);
    expect(await post('/hooks/signed-body', raw, { 'x-sig': sig(randomBytes(16).toString('hex'), raw) })).toBe(401);
    expect(await post('/hooks/signed-body', JSON.stringify({ n: '2' }), { 'x-sig': sig(SECRET, raw) })).toBe(401);
    expect(await post('/hooks/signed-body', raw, { 'x-sig': `v1=deadbeef, ${sig(SECRET, raw)}` })).toBe(200);
    expect(ran.filter((r) => r.startsWith('signed'))).toEqual(['signed 1']);
  });

  it('a shared secret as basic auth: the configured user and the secret, nothing else', async () => {
    const raw = JSON.stringify({ n: '3' });
    expect(await post('/hooks/basic', raw, {})).toBe(401);
    expect(await post('/hooks/basic', raw, { authorization: basic('someone', SECRET) })).toBe(401);
    expect(await post('/hooks/basic', raw, { authorization: basic('switchyard', `${SECRET}x`) })).toBe(401);
    expect(await post('/hooks/basic', raw, { authorization: `Bearer ${SECRET}` })).toBe(401);
    expect(await post('/hooks/basic', raw, { authorization: basic('switchyard', SECRET) })).toBe(200);
    expect(ran.filter((r) => r.startsWith('basic'))).toEqual(['basic 3']);
  });
});
