import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Harness } from '../support/harness.js';
import { waitFor } from '../support/redis.js';
import { arrayLogger, expectNoLeaks, makeSecrets, startInjectionPipelines, startSources } from './support.js';

// `${{ inject.* }}` resolved into a running shell stage by the real pipelines module, from the
// loopback Vault and Consul and the landing zone; the secret reaches the process but its log
// shows it masked, and nothing else keeps it.
describe('injection into a running pipeline stage', () => {
  const secrets = makeSecrets();
  const log = arrayLogger();
  let h: Harness;
  let src: Awaited<ReturnType<typeof startSources>>;

  beforeAll(async () => {
    src = await startSources(secrets);
    h = await startInjectionPipelines('config-pipeline', src, log);
  });
  afterAll(async () => {
    await h?.close();
    await src?.vault.stop();
    await src?.consul.stop();
  });

  const runIdOf = (text: string) => {
    const id = /\*(r\d+)\*/.exec(text)?.[1];
    if (!id) throw new Error(`no run id in: ${text}`);
    return id;
  };
  const waitStatus = (runId: string, want: RegExp) =>
    waitFor(
      async () => {
        const t = (await h.command('U0BOB', 'C0DEPLOYS', `/pipeline status ${runId}`)).text;
        return want.test(t) ? t : null;
      },
      20_000,
      `run ${runId} to match ${want}`,
    );

  it('passes injected values to the shell stage and masks the secret in its log', async () => {
    const start = await h.command('U0BOB', 'C0DEPLOYS', '/pipeline run checkout-inject --env production');
    const runId = runIdOf(start.text);
    await waitStatus(runId, /succeeded/);
    const logs = (await h.command('U0BOB', 'C0DEPLOYS', `/pipeline logs ${runId} deploy`)).text;
    expect(logs).toContain(
      'vpc=vpc-0f1e2d3c4b5a69788 subnets=subnet-0c1d2e3f4a5b6c7d8,subnet-0d2e3f4a5b6c7d8e9,subnet-0e3f4a5b6c7d8e9f0 replicas=6',
    );
    expect(logs).toContain('db password is ••••');
    expect(logs).not.toContain(secrets.prodDbPassword);
    expect(logs).toContain('injected db_password (secret) from vault:secret/services/checkout/production v2');
  });

  it('fails a stage naming the key no layer holds, before its command runs', async () => {
    const start = await h.command('U0BOB', 'C0DEPLOYS', '/pipeline run checkout-missing --env production');
    const runId = runIdOf(start.text);
    const status = await waitStatus(runId, /failed/);
    expect(status).toContain('no_such_key');
    const logs = (await h.command('U0BOB', 'C0DEPLOYS', `/pipeline logs ${runId} configure`)).text;
    expect(logs).not.toContain('this must never run');
  });

  it('warns at start-up about pipelines injecting for services or environments injection.yml lacks', () => {
    const warnings = log.lines.filter((l) => l.includes('missing from injection.yml'));
    expect(warnings.some((l) => l.includes('"pipeline":"ghost-inject"') && l.includes('"service":"ghost"'))).toBe(true);
    expect(warnings.some((l) => l.includes('"environments":["qa"]'))).toBe(true);
    expect(warnings.some((l) => l.includes('checkout-inject'))).toBe(false);
  });

  it('renders the real pipeline definition with the secret masked', async () => {
    const text = (await h.command('U0GRACE', 'C0DEPLOYS', '/config render checkout-inject --env production')).text;
    expect(text).toContain('VPC: vpc-0f1e2d3c4b5a69788');
    expect(text).toMatch(/DB_PASSWORD: ••••\[[0-9a-f]{6}\]/);
  });

  it('leaves no secret in Slack, logs, job payloads or Redis', async () => {
    await expectNoLeaks(h, log.lines, Object.values(secrets));
  });
});
