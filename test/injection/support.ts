import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { expect } from 'vitest';
import type { Logger } from '../../src/core/ports/runtime.js';
import { FakeConsul } from '../fakes/consul.js';
import { FakeVault } from '../fakes/vault.js';
import { injectionModuleWith } from '../../src/app/wire-injection.js';
import { makePipelinesModule } from '../../src/app/wire-pipelines.js';
import { startHarness, type Harness } from '../support/harness.js';
import { escapeGlob, REDIS_URL } from '../support/redis.js';

/** A logger that keeps every line (as JSON) so tests can look for leaked secrets. */
export function arrayLogger(lines: string[] = [], bindings: Record<string, unknown> = {}): Logger & { lines: string[] } {
  const write = (level: string) => (obj: object, msg?: string) => {
    lines.push(
      JSON.stringify({ level, ...bindings, ...obj, msg }, (_k, v: unknown) =>
        v instanceof Error ? { message: v.message, stack: v.stack } : v,
      ),
    );
  };
  return {
    lines,
    debug: write('debug'),
    info: write('info'),
    warn: write('warn'),
    error: write('error'),
    child: (b) => arrayLogger(lines, { ...bindings, ...b }),
  };
}

const secret = (what: string) => `${what}-${randomBytes(9).toString('hex')}`;

/** Distinctive secret values, so a leak check can look for them anywhere. */
export function makeSecrets() {
  return {
    prodDbPassword: secret('pw-production'),
    stagingDbPassword: secret('pw-staging'),
    prodApiKey: secret('ak-production'),
    registryToken: secret('rt-shared'),
    devWebhookSecret: secret('whs-dev'),
    hmacKey: secret('hmac'),
  };
}
export type Secrets = ReturnType<typeof makeSecrets>;

/** Starts a Vault (namespace `platform`, AppRole) and a Consul (ACL) seeded for checkout. */
export async function startSources(s: Secrets, o: { approleTtlSeconds?: number } = {}) {
  const vault = await new FakeVault({ namespace: 'platform' }).start();
  const consul = await new FakeConsul({ aclToken: `consul-acl-${randomBytes(6).toString('hex')}` }).start();
  const role = vault.addAppRole('switchyard', o.approleTtlSeconds ?? 3600);
  vault.put('services/checkout/production', {
    db_host: 'checkout-db.production.internal',
    db_password: s.prodDbPassword,
    api_key: s.prodApiKey,
  });
  vault.put('services/checkout/production', {
    db_host: 'checkout-db.production.internal',
    db_port: '5432',
    db_password: s.prodDbPassword,
    api_key: s.prodApiKey,
  }); // version 2
  vault.put('services/checkout/staging', { db_host: 'checkout-db.staging.internal', db_port: '5432', db_password: s.stagingDbPassword });
  vault.put('shared/production', { registry_token: s.registryToken });
  vault.put('shared/staging', { registry_token: s.registryToken });
  vault.put('services/payments/production', { db_password: 'never-readable' });
  vault.deny('services/payments/');
  vault.put('switchyard/fingerprint', { hmac_key: s.hmacKey });
  const p = 'switchyard';
  consul.put(`${p}/services/checkout/production/replicas`, '6');
  consul.put(`${p}/services/checkout/production/db_host`, 'consul-would-lose.internal');
  consul.put(`${p}/services/checkout/production/feature_new_cart`, 'on');
  consul.put(`${p}/services/checkout/production/canary/weight`, '10'); // deeper folder: not a key of this layer
  consul.put(`${p}/services/checkout/staging/replicas`, '2');
  consul.put(`${p}/services/checkout/dev/replicas`, '1');
  consul.put(`${p}/services/checkout/dev/webhook_secret`, s.devWebhookSecret); // a secret put in Consul: masked by secretKeys
  consul.put(`${p}/shared/production/log_level`, 'info');
  consul.put(`${p}/shared/staging/log_level`, 'debug');
  consul.put(`${p}/shared/dev/log_level`, 'debug');
  const env = {
    VAULT_ADDR: vault.url,
    VAULT_ROLE_ID: role.roleId,
    VAULT_SECRET_ID: role.secretId,
    VAULT_NAMESPACE: 'platform',
    CONSUL_HTTP_ADDR: consul.url,
    CONSUL_HTTP_TOKEN: consul.aclToken!,
    CONSUL_PREFIX: p,
  };
  return { vault, consul, env, role };
}

/** Every string the bot could have shown or stored: Slack state, API calls, logs, Redis. */
export async function everythingWritten(h: Harness, logLines: string[]): Promise<{ where: string; text: string }[]> {
  const out: { where: string; text: string }[] = [];
  for (const c of h.slack.channels())
    for (const m of h.slack.messages(c.id, { includeReplies: true })) out.push({ where: `message in ${c.id}`, text: JSON.stringify(m) });
  for (const e of h.slack.ephemerals()) out.push({ where: `ephemeral to ${e.user} via ${e.via}`, text: JSON.stringify(e) });
  for (const v of h.slack.views()) out.push({ where: `view ${v.id}`, text: JSON.stringify(v) });
  for (const c of h.slack.calls()) out.push({ where: `API call ${c.method}`, text: JSON.stringify(c.args) });
  for (const l of logLines) out.push({ where: 'log line', text: l });
  const redis = new Redis(REDIS_URL);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${escapeGlob(`{${h.settings.REDIS_PREFIX}}`)}:*`, 'COUNT', 500);
      cursor = next;
      for (const key of keys) {
        const type = await redis.type(key);
        const value =
          type === 'string'
            ? await redis.get(key)
            : type === 'hash'
              ? await redis.hgetall(key)
              : type === 'stream'
                ? await redis.xrange(key, '-', '+')
                : type === 'list'
                  ? await redis.lrange(key, 0, -1)
                  : type === 'set'
                    ? await redis.smembers(key)
                    : type === 'zset'
                      ? await redis.zrange(key, 0, -1)
                      : null;
        out.push({ where: `redis ${type} ${key}`, text: `${key} ${JSON.stringify(value)}` });
      }
    } while (cursor !== '0');
  } finally {
    await redis.quit();
  }
  return out;
}

/** Asserts no secret appears anywhere, except where `allowed` says (a reveal's ephemeral). */
export async function expectNoLeaks(
  h: Harness,
  logLines: string[],
  secrets: string[],
  allowed: (where: string, text: string) => boolean = () => false,
) {
  const written = await everythingWritten(h, logLines);
  expect(written.some((w) => w.where.startsWith('redis'))).toBe(true); // the scan saw the bot's keys
  expect(written.some((w) => w.where === 'log line')).toBe(true);
  const leaks = written.filter((w) => secrets.some((s) => w.text.includes(s)) && !allowed(w.where, w.text));
  expect(leaks.map((l) => `${l.where}: ${l.text.slice(0, 200)}`)).toEqual([]);
}

export const FINGERPRINT = /•••• `([0-9a-f]{6})`/;

/** A bot with the real injection and pipelines modules, reading the loopback Vault and Consul. */
export function startInjectionPipelines(name: string, src: Awaited<ReturnType<typeof startSources>>, log: ReturnType<typeof arrayLogger>) {
  return startHarness({
    name,
    log,
    modules: [
      injectionModuleWith(),
      makePipelinesModule({ workflowsDir: 'test/injection/workflows', leaseMs: 900, watchdogMs: 300, requeueAfterMs: 5000, pollMs: 40 }),
    ],
    env: { ...src.env, CONFIG_CACHE_MS: '200' },
  });
}
