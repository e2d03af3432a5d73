import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { injectionModule } from '../../src/app/wire-injection.js';
import { startHarness, type Harness } from '../support/harness.js';
import { waitFor } from '../support/redis.js';
import { arrayLogger, expectNoLeaks, FINGERPRINT, makeSecrets, startSources } from './support.js';

// Sources going down and coming back, with a short cache (CONFIG_CACHE_MS) and Vault token auth.
describe('/config when a source is down', () => {
  const secrets = makeSecrets();
  const log = arrayLogger();
  let h: Harness;
  let src: Awaited<ReturnType<typeof startSources>>;
  const cmd = async (line: string) => (await h.command('U0GRACE', 'C0GENERAL', line)).text;

  beforeAll(async () => {
    src = await startSources(secrets);
    const { VAULT_ROLE_ID: _r, VAULT_SECRET_ID: _s, ...env } = src.env;
    h = await startHarness({
      name: 'config-outage',
      log,
      modules: [injectionModule],
      env: { ...env, VAULT_TOKEN: src.vault.issueToken(3600, true), CONFIG_CACHE_MS: '100' },
    });
  });
  afterAll(async () => {
    await h?.close();
    await src?.vault.stop();
    await src?.consul.stop();
  });

  it('serves the last copy marked stale, naming Vault, and fails keys it never read with a clear error', async () => {
    const fresh = await cmd('/config get checkout production db_password');
    const fp = FINGERPRINT.exec(fresh)?.[1];
    expect(fp).toBeDefined();
    expect(fresh).not.toContain('stale');
    expect(src.vault.requests.some((r) => r.path === '/v1/auth/token/lookup-self')).toBe(true);

    await src.vault.stop();
    const stale = await waitFor(
      async () => {
        const t = await cmd('/config get checkout production db_password');
        return t.includes('stale') ? t : null;
      },
      5000,
      'a stale answer',
    );
    expect(stale).toContain(`•••• \`${fp}\``);
    expect(stale).toContain(`*vault-service* is stale: Vault: unreachable at ${src.vault.url} (ECONNREFUSED)`);
    expect(log.lines.some((l) => l.includes('config source read failed') && l.includes('"stale":true'))).toBe(true);

    const never = await cmd('/config get checkout staging db_password');
    expect(never).toContain(
      ':electric_plug: Vault: `db_password` for checkout/staging cannot be resolved while layer `vault-service` is unreadable',
    );
    expect(never).toContain('ECONNREFUSED');
    // a landing-zone key under an unreadable Vault layer is refused too: Vault might override it
    expect(await cmd('/config get checkout staging vpc_id')).toContain('cannot be resolved while layer `vault-service` is unreadable');

    const list = await cmd('/config list checkout staging');
    expect(list).toContain(':electric_plug: *vault-service* is unreadable: Vault: unreachable');
    expect(list).toContain('• `vpc_id` = `vpc-07a8b9c0d1e2f3a4b` — landing-zone');
    const explain = await cmd('/config explain checkout staging db_password');
    expect(explain).toContain('1. *vault-service* (Vault `secret/services/checkout/staging`): :electric_plug: unreadable');
    expect(explain).toContain(':warning: A run would fail now: layer *vault-service* is unreadable');
  });

  it('serves Consul values stale while Consul is down, and fresh values once both are back', async () => {
    expect(await cmd('/config get checkout dev replicas')).toContain('`1`');
    await src.consul.stop();
    const stale = await waitFor(
      async () => {
        const t = await cmd('/config get checkout dev replicas');
        return t.includes('stale') ? t : null;
      },
      5000,
      'a stale Consul answer',
    );
    expect(stale).toContain('`1`');
    expect(stale).toContain(`*consul-service* is stale: Consul: unreachable at ${src.consul.url}`);

    await src.vault.start();
    await src.consul.start();
    src.consul.put('switchyard/services/checkout/dev/replicas', '2');
    const back = await waitFor(
      async () => {
        const t = await cmd('/config get checkout dev replicas');
        return t.includes('`2`') ? t : null;
      },
      5000,
      'a fresh answer',
    );
    expect(back).not.toContain('stale');
    expect(await cmd('/config get checkout production db_password')).not.toContain('stale');
  });

  it('leaves no secret in Slack, logs or Redis', async () => {
    await expectNoLeaks(h, log.lines, Object.values(secrets));
  });
});
