import { getEventListeners } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConsulSource } from '../../src/adapters/consul/consul-source.js';
import { VaultSource } from '../../src/adapters/vault/vault-source.js';
import { UpstreamError } from '../../src/core/errors.js';
import { systemClock } from '../../src/core/ports/runtime.js';
import { SourceCache } from '../../src/domain/injection/cache.js';
import type { SourceDocument } from '../../src/domain/injection/source.js';
import { FakeConsul } from '../fakes/consul.js';
import { FakeVault } from '../fakes/vault.js';
import { waitFor } from '../support/redis.js';
import { arrayLogger } from './support.js';

// The adapters against the loopback servers. The adapters' clock is a test clock so token
// lifetimes are crossed without waiting; the fakes keep real time (their tokens stay valid).
const clockAt = (start = Date.now()) => {
  const c = { t: start, now: () => c.t, advance: (ms: number) => (c.t += ms) };
  return c;
};

describe('Vault adapter (node-vault, KV v2)', () => {
  let vault: FakeVault;
  beforeAll(async () => {
    vault = await new FakeVault({ namespace: 'team-a' }).start();
    vault.put('services/checkout/production', { db_password: 'v1' });
    vault.put('services/checkout/production', { db_password: 'v2', db_port: 5432 });
    vault.put('services/checkout/staging', { db_password: 's1' });
    vault.put('restricted/x', { k: 'v' });
    vault.deny('restricted/');
  });
  afterAll(() => vault.stop());

  const source = (credentials: ConstructorParameters<typeof VaultSource>[0]['credentials'], clock = clockAt(), ns = 'team-a') =>
    new VaultSource({ addr: vault.url, credentials, namespace: ns, mount: vault.mount, clock, log: arrayLogger(), timeoutMs: 2000 });

  it('reads the latest version with the token and namespace, a missing path as null, and lists with GET', async () => {
    const s = source({ token: vault.rootToken });
    const doc = await s.read('services/checkout/production');
    expect(doc?.version).toBe(2);
    expect(doc?.values.db_password).toEqual({ value: 'v2', path: 'secret/services/checkout/production', version: 2 });
    expect(doc?.values.db_port?.value).toBe('5432');
    expect(await s.read('services/checkout/dev')).toBeNull();
    expect(await s.children('services/checkout')).toEqual(['production', 'staging']);
    const list = vault.requests.find((r) => r.path === '/v1/secret/metadata/services/checkout');
    expect(list?.method).toBe('GET');
    expect(vault.requests.every((r) => r.path === '/v1/sys/health' || r.namespace === 'team-a')).toBe(true);
  });

  it('names Vault, the path and 403 when a policy refuses, and a bad token the same way', async () => {
    await expect(source({ token: vault.rootToken }).read('restricted/x')).rejects.toThrow(
      'Vault: permission denied for secret/data/restricted/x (403)',
    );
    const bad = source({ token: 'hvs.not-a-token' });
    await expect(bad.read('services/checkout/production')).rejects.toThrow(
      'Vault: permission denied for token lookup (auth/token/lookup-self) (403)',
    );
  });

  it('renews a renewable token before its TTL runs out', async () => {
    const clock = clockAt();
    const s = source({ token: vault.issueToken(60, true) }, clock);
    await s.read('services/checkout/production');
    expect(vault.renewals).toBe(0);
    clock.advance(30_000);
    await s.read('services/checkout/production');
    expect(vault.renewals).toBe(0);
    clock.advance(16_000); // past 75 % of 60 s
    await s.read('services/checkout/production');
    expect(vault.renewals).toBe(1);
  });

  it('renews in the background while nobody reads Vault, and stops renewing once stopped', async () => {
    // Real time here: the renewal timer is the point. 10 % of a 1 s TTL is 100 ms.
    const s = new VaultSource({
      addr: vault.url,
      credentials: { token: vault.issueToken(1, true) },
      namespace: 'team-a',
      mount: vault.mount,
      clock: systemClock,
      log: arrayLogger(),
      timeoutMs: 2000,
      renewFraction: 0.1,
    });
    const before = vault.renewals;
    await s.read('services/checkout/production');
    await waitFor(() => vault.renewals >= before + 2, 3000, 'two renewals without a read');
    s.stop();
    const stoppedAt = vault.renewals;
    const approle = vault.addAppRole('switchyard', 1);
    const a = new VaultSource({
      addr: vault.url,
      credentials: approle,
      namespace: 'team-a',
      mount: vault.mount,
      clock: systemClock,
      log: arrayLogger(),
      timeoutMs: 2000,
      renewFraction: 0.1,
    });
    const logins = vault.logins;
    await a.read('services/checkout/staging');
    await waitFor(() => vault.logins >= logins + 3, 3000, 'AppRole logins again without a read');
    a.stop();
    expect(vault.renewals).toBe(stoppedAt); // the stopped source renewed nothing more meanwhile
  });

  it('logs in with AppRole, logs in again before the lease ends and after a revoked token', async () => {
    const clock = clockAt();
    const role = vault.addAppRole('switchyard', 40);
    const s = source({ roleId: role.roleId, secretId: role.secretId }, clock);
    const before = vault.logins;
    expect((await s.read('services/checkout/staging'))?.values.db_password?.value).toBe('s1');
    expect(vault.logins).toBe(before + 1);
    clock.advance(20_000);
    await s.read('services/checkout/staging');
    expect(vault.logins).toBe(before + 1);
    clock.advance(11_000); // past 75 % of 40 s
    await s.read('services/checkout/staging');
    expect(vault.logins).toBe(before + 2);
    vault.revoke(vault.issued.at(-1)!);
    expect((await s.read('services/checkout/staging'))?.values.db_password?.value).toBe('s1');
    expect(vault.logins).toBe(before + 3);
  });

  it('refuses bad AppRole credentials clearly, and names the address when Vault is down', async () => {
    const role = vault.addAppRole('switchyard', 40);
    await expect(source({ roleId: role.roleId, secretId: 'wrong' }).read('services/checkout/production')).rejects.toThrow(
      'Vault: refused AppRole login (auth/approle/login) (400: bad credentials or request)',
    );
    const down = new VaultSource({
      addr: 'http://127.0.0.1:9',
      credentials: { token: 't' },
      mount: 'secret',
      clock: clockAt(),
      log: arrayLogger(),
      timeoutMs: 2000,
    });
    const err = await down.read('x').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamError);
    expect((err as Error).message).toMatch(/^Vault: unreachable at http:\/\/127\.0\.0\.1:9 \(ECONNREFUSED\)/);
  });
});

describe('Consul adapter (KV over HTTP)', () => {
  let consul: FakeConsul;
  beforeAll(async () => {
    consul = await new FakeConsul({ aclToken: 'acl-secret-token' }).start();
    consul.put('sy/services/checkout/production/replicas', '6');
    consul.put('sy/services/checkout/production/motd', 'héllo, wörld'); // base64 of UTF-8
    consul.put('sy/services/checkout/production/canary/weight', '10');
    consul.put('sy/services/checkout/prod2/replicas', '99'); // a sibling that shares the name prefix
  });
  afterAll(() => consul.stop());

  const source = (token?: string) =>
    new ConsulSource({ addr: consul.url, prefix: 'sy', timeoutMs: 2000, watchWaitMs: 300, retryMs: 50, ...(token ? { token } : {}) });

  it('reads direct children of a folder with ?recurse, decoding base64 and keeping ModifyIndex', async () => {
    const doc = await source('acl-secret-token').read('services/checkout/production');
    expect(Object.keys(doc!.values).sort()).toEqual(['motd', 'replicas']);
    expect(doc!.values.motd).toMatchObject({ value: 'héllo, wörld', path: 'sy/services/checkout/production/motd' });
    expect(typeof doc!.values.replicas!.version).toBe('number');
    expect(await source('acl-secret-token').read('services/checkout/dev')).toBeNull();
    expect(await source('acl-secret-token').children('services/checkout')).toEqual(['prod2', 'production']);
  });

  it('names Consul and 403 without the ACL token', async () => {
    await expect(source().read('services/checkout/production')).rejects.toThrow(
      'Consul: ACL token refused for services/checkout/production (403)',
    );
  });

  it('watches a folder with blocking queries and reports each change', async () => {
    const seen: Array<SourceDocument | null> = [];
    const ctrl = new AbortController();
    const done = source('acl-secret-token').watch(
      'services/checkout/production',
      { onChange: (d) => seen.push(d), onError: () => undefined },
      ctrl.signal,
    );
    await waitFor(() => seen.length >= 1, 3000, 'first answer');
    consul.put('sy/services/checkout/production/replicas', '7');
    await waitFor(() => seen.some((d) => d?.values.replicas?.value === '7'), 3000, 'the change');
    const blocking = consul.blockingQueries().map((r) => new URLSearchParams(r.query));
    expect(blocking.some((q) => Number(q.get('index')) > 0 && q.get('wait') === '300ms')).toBe(true);
    ctrl.abort();
    await done;
  });

  it('retries a failing watch without piling listeners on its signal, and refuses to spin without an index', async () => {
    const errors: string[] = [];
    const ctrl = new AbortController();
    consul.dropIndexHeader = true;
    const blockingBefore = consul.blockingQueries().length;
    const done = source('acl-secret-token').watch(
      'services/checkout/production',
      { onChange: () => undefined, onError: (e) => errors.push(e.message) },
      ctrl.signal,
    );
    try {
      await waitFor(() => errors.length >= 15, 5000, 'fifteen failed rounds');
      expect(errors[0]).toContain('answered without X-Consul-Index, so it cannot be watched');
      expect(getEventListeners(ctrl.signal, 'abort').length).toBeLessThanOrEqual(1);
      expect(consul.blockingQueries().length).toBe(blockingBefore); // never an ?index=0 loop
    } finally {
      consul.dropIndexHeader = false;
      ctrl.abort();
      await done;
    }
  });

  it('starts no watch once the cache is stopped, even for a read that was in flight', async () => {
    const cache = new SourceCache({ clock: systemClock, ttlMs: 1000, log: arrayLogger(), watch: true });
    const s = source('acl-secret-token');
    await cache.read(s, 'services/checkout/production');
    expect(cache.watching).toBe(1);
    const late = cache.read(s, 'services/checkout/staging');
    cache.stop();
    await late;
    expect(cache.watching).toBe(0);
  });
});
