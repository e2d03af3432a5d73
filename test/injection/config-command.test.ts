import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { injectionModuleWith } from '../../src/app/wire-injection.js';
import { startHarness, type Harness } from '../support/harness.js';
import { waitFor } from '../support/redis.js';
import { CHECKOUT_DEPLOY, pipelinesStub } from './pipelines-stub.js';
import { arrayLogger, expectNoLeaks, FINGERPRINT, makeSecrets, startSources } from './support.js';

// /config driven over the Slack wire against a loopback Vault (AppRole, namespace) and Consul
// (ACL token, blocking-query watch). The cache is long here, so a change seen quickly is the watch.
describe('/config against Vault, Consul and the landing zone', () => {
  const secrets = makeSecrets();
  const log = arrayLogger();
  let h: Harness;
  let src: Awaited<ReturnType<typeof startSources>>;
  const cmd = async (user: string, line: string, channel = 'C0DEPLOYS') => (await h.command(user, channel, line)).text;

  beforeAll(async () => {
    src = await startSources(secrets);
    h = await startHarness({
      name: 'config-command',
      log,
      modules: [injectionModuleWith({ consulWatchWaitMs: 400 }), pipelinesStub],
      env: { ...src.env, CONFIG_CACHE_MS: '60000', CONSUL_WATCH: 'true' },
    });
  });
  afterAll(async () => {
    await h?.close();
    await src?.vault.stop();
    await src?.consul.stop();
  });

  it('gets a landing-zone value in clear with its provenance', async () => {
    const text = await cmd('U0GRACE', '/config get checkout production vpc_id');
    expect(text).toContain('`vpc-0f1e2d3c4b5a69788`');
    expect(text).toContain('*landing-zone* (Landing zone `config/landing-zone.yml#environments.production.vpc_id`, version sha256:');
  });

  it('masks a Vault secret with a fingerprint and names path and KV version', async () => {
    const text = await cmd('U0GRACE', '/config get checkout production db_password');
    expect(text).not.toContain(secrets.prodDbPassword);
    expect(text).toMatch(FINGERPRINT);
    expect(text).toContain('*vault-service* (Vault `secret/services/checkout/production`, version 2)');
    // AppRole login with the namespace header, reads through GET (no custom verbs)
    expect(src.vault.logins).toBe(1);
    const reads = src.vault.requests.filter((r) => r.path.startsWith('/v1/secret/'));
    expect(reads.length).toBeGreaterThan(0);
    expect(reads.every((r) => r.namespace === 'platform' && r.hadToken && r.method === 'GET')).toBe(true);
  });

  it('layers: the service Vault secret overrides Consul, and explain shows every layer', async () => {
    // public field of a Vault layer
    expect(await cmd('U0GRACE', '/config get checkout production db_host')).toContain('`checkout-db.production.internal`');
    const text = await cmd('U0GRACE', '/config explain checkout production db_host');
    expect(text).toMatch(
      new RegExp(
        [
          '1\\. \\*vault-service\\* \\(Vault `secret\\/services\\/checkout\\/production`\\): ',
          '`checkout-db\\.production\\.internal` \\(v2\\) :white_check_mark: \\*wins\\*',
        ].join(''),
      ),
    );
    expect(text).toContain('2. *vault-shared* (Vault `secret/shared/production`): no `db_host`');
    expect(text).toMatch(
      /3\. \*consul-service\* \(Consul `switchyard\/services\/checkout\/production`\): `consul-would-lose\.internal` \(v\d+\) overridden/,
    );
    expect(text).toContain('4. *consul-shared* (Consul `switchyard/shared/production`): no `db_host`');
    expect(text).toContain('5. *landing-zone* (Landing zone `config/landing-zone.yml#environments.production`): no `db_host`');
  });

  it('lists keys with sources and masked secrets; a Consul-held secret is masked too', async () => {
    const production = await cmd('U0GRACE', '/config list checkout production');
    expect(production).toContain('order: vault-service → vault-shared → consul-service → consul-shared → landing-zone');
    expect(production).toMatch(/• `replicas` = `6` — consul-service v\d+/);
    expect(production).toMatch(/• `registry_token` = •••• `[0-9a-f]{6}` — vault-shared v1/);
    expect(production).toContain(
      '• `subnet_ids` = `subnet-0c1d2e3f4a5b6c7d8,subnet-0d2e3f4a5b6c7d8e9,subnet-0e3f4a5b6c7d8e9f0` — landing-zone',
    );
    expect(production).not.toContain('canary'); // a deeper Consul folder is not a key of this layer
    const dev = await cmd('U0GRACE', '/config list checkout dev');
    expect(dev).toMatch(/• `webhook_secret` = •••• `[0-9a-f]{6}` — consul-service/);
    expect(dev).not.toContain(secrets.devWebhookSecret);
  });

  it('diffs two environments: differing and missing keys, secrets masked, same fingerprint for the same value', async () => {
    const text = await cmd('U0GRACE', '/config diff checkout staging production');
    expect(text).toContain('• `replicas`: `2` ≠ `6`');
    expect(text).toMatch(/• `db_password`: •••• `([0-9a-f]{6})` ≠ •••• `([0-9a-f]{6})`/);
    const [, a, b] = /• `db_password`: •••• `([0-9a-f]{6})` ≠ •••• `([0-9a-f]{6})`/.exec(text)!;
    expect(a).not.toBe(b);
    expect(text).toMatch(/• `api_key`: missing in staging — •••• `[0-9a-f]{6}`/);
    expect(text).not.toContain('registry_token'); // same value in both: counted as the same
    const fp = (env: string) => cmd('U0GRACE', `/config get checkout ${env} registry_token`).then((t) => FINGERPRINT.exec(t)?.[1]);
    expect(await fp('staging')).toBe(await fp('production'));
  });

  it('renders a pipeline for an environment with injected values and secrets masked', async () => {
    const text = await cmd('U0BOB', '/config render checkout-deploy --env production');
    expect(text).toContain('*checkout-deploy* for *checkout/production*');
    expect(text).toContain('VPC: vpc-0f1e2d3c4b5a69788');
    expect(text).toContain('REPLICAS: "6"');
    expect(text).toMatch(/DB_URL: postgres:\/\/app:••••\[[0-9a-f]{6}\]@checkout-db\.production\.internal\/checkout/);
    expect(text).toMatch(/REGISTRY_TOKEN: ••••\[[0-9a-f]{6}\]/);
    expect(text).toContain('REF: ${{ params.ref }}');
    expect(text).toContain(':warning: `no_such_key` is not defined for checkout/production');
    const bad = await cmd('U0BOB', '/config render checkout-deploy --env dev');
    expect(bad).toContain('Unknown environment for pipeline checkout-deploy `dev`.');
    expect(bad).toContain(`Known: ${CHECKOUT_DEPLOY.environments.join(', ')}`);
    expect(await cmd('U0BOB', '/config render nope --env production')).toContain('Known: checkout-deploy');
  });

  it('answers bad input with what exists and audits reads with their target', async () => {
    expect(await cmd('U0GRACE', '/config get chekout production vpc_id')).toContain('Known: checkout, demo, inventory, payments');
    expect(await cmd('U0GRACE', '/config get checkout qa vpc_id')).toContain('Known: dev, staging, production');
    const key = await cmd('U0GRACE', '/config get checkout production db_pasword');
    expect(key).toContain('Unknown checkout/production key `db_pasword`.');
    expect(key).toContain('db_password');
    const reads = await h.app.ctx.audit.query({ actor: 'U0GRACE', action: 'config.read', limit: 50 });
    expect(reads.map((r) => r.target)).toContain('checkout/production/db_password');
    expect(reads.find((r) => r.target === 'checkout/production/db_pasword')?.outcome).toBe('not_found');
  });

  it('names Vault and the path when Vault refuses a read (403)', async () => {
    const text = await cmd('U0GRACE', '/config get payments production db_password');
    expect(text).toContain('Vault');
    expect(text).toContain('permission denied for secret/data/services/payments/production (403)');
  });

  it('lets a secrets-reader reveal a value, only to them, and audits it without the value', async () => {
    const res = await h.command('U0ERIN', 'C0DEPLOYS', '/config reveal checkout production db_password');
    expect(res.reply?.via).toBe('response_url');
    expect(res.text).toContain(secrets.prodDbPassword);
    expect(h.slack.messages('C0DEPLOYS').some((m) => m.text.includes(secrets.prodDbPassword))).toBe(false);
    const [entry] = await h.app.ctx.audit.query({ actor: 'U0ERIN', action: 'config.reveal' });
    expect(entry).toMatchObject({ outcome: 'ok', target: 'checkout/production/db_password', channel: 'C0DEPLOYS' });
    expect(entry!.detail).toContain('secret/services/checkout/production v2');
  });

  it('refuses a reveal to anyone without secrets-reader, and audits the refusal', async () => {
    const text = await cmd('U0BOB', '/config reveal checkout production db_password');
    expect(text).toContain('`secrets-reader`');
    expect(text).not.toContain(secrets.prodDbPassword);
    const [entry] = await h.app.ctx.audit.query({ actor: 'U0BOB', action: '/config reveal' });
    expect(entry).toMatchObject({ outcome: 'refused', detail: 'reveal checkout production db_password' });
  });

  it('sees a Consul change through the blocking-query watch, long before the cache would expire', async () => {
    expect(await cmd('U0GRACE', '/config get checkout staging replicas')).toContain('`2`');
    src.consul.put('switchyard/services/checkout/staging/replicas', '3');
    await waitFor(async () => (await cmd('U0GRACE', '/config get checkout staging replicas')).includes('`3`'), 8000, 'the watched change');
    expect(src.consul.blockingQueries().length).toBeGreaterThan(0);
    expect(src.consul.requests.every((r) => r.hadToken)).toBe(true);
  });

  it('leaves no secret in Slack, logs or Redis (a reveal answers only its reader)', async () => {
    const all = Object.values(secrets);
    const revealAnswer = (where: string, text: string) =>
      (where === 'ephemeral to U0ERIN via response_url' || where === 'API call response_url') &&
      text.includes('Only you can see this; the reveal is audited.') &&
      !all.some((s) => s !== secrets.prodDbPassword && text.includes(s));
    await expectNoLeaks(h, log.lines, all, revealAnswer);
    expect(log.lines.some((l) => l.includes('vault approle login'))).toBe(true);
  });
});
