import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Harness } from '../support/harness.js';
import { waitFor } from '../support/redis.js';
import { arrayLogger, expectNoLeaks, makeSecrets, startInjectionPipelines, startSources } from './support.js';

/**
 * From the failure's side: a PEM key from Vault echoed by a stage used to be stored in the stage
 * log in Redis and shown by /pipeline logs in clear, because masking compared each output line
 * with the whole multi-line value. Every line (and the base64 of the whole) must arrive masked.
 */
describe('a multi-line secret echoed by a stage', () => {
  const secrets = makeSecrets();
  const body = Array.from({ length: 6 }, () => randomBytes(48).toString('base64'));
  const pem = ['-----BEGIN PRIVATE KEY-----', ...body, '-----END PRIVATE KEY-----'].join('\n');
  const log = arrayLogger();
  let h: Harness;
  let src: Awaited<ReturnType<typeof startSources>>;

  beforeAll(async () => {
    src = await startSources(secrets);
    src.vault.put('services/checkout/production', {
      db_host: 'checkout-db.production.internal',
      db_password: secrets.prodDbPassword,
      tls_key: pem,
    });
    h = await startInjectionPipelines('config-pem', src, log);
  });
  afterAll(async () => {
    await h?.close();
    await src?.vault.stop();
    await src?.consul.stop();
  });

  it('masks every line and the base64 of the key in the stage log, and keeps it out of Redis, Slack and logs', async () => {
    const start = await h.command('U0BOB', 'C0DEPLOYS', '/pipeline run checkout-pem --env production');
    const runId = /\*(r\d+)\*/.exec(start.text)?.[1];
    expect(runId).toBeTruthy();
    await waitFor(
      async () => /succeeded/.test((await h.command('U0BOB', 'C0DEPLOYS', `/pipeline status ${runId}`)).text),
      20_000,
      'run to succeed',
    );
    const logs = (await h.command('U0BOB', 'C0DEPLOYS', `/pipeline logs ${runId} leak --lines 60`)).text;
    expect(logs).toContain('key follows:');
    expect(logs).toContain('done');
    for (const line of body) expect(logs).not.toContain(line);
    expect(logs).not.toContain(Buffer.from(pem).toString('base64').slice(0, 40));
    expect(logs.match(/••••/g)?.length ?? 0).toBeGreaterThanOrEqual(body.length + 3);
    await expectNoLeaks(h, log.lines, [...body, Buffer.from(pem).toString('base64').slice(0, 40)]);
  });
});
