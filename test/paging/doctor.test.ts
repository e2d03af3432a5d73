import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkPaging } from '../../src/cli/doctor-paging.js';
import { loadSettings } from '../../src/config/settings.js';
import { FakeOpsgenie } from '../fakes/opsgenie.js';
import { FakePagerDuty } from '../fakes/pagerduty.js';
import { secret } from './support.js';

// `npm run doctor` asks the paging tools' REST APIs whether they accept the configured keys, and
// names every variable config/paging.yml needs but the environment lacks (never a value).
describe('doctor: paging', () => {
  const keys = { token: secret(), api: secret(), routing: secret() };
  let pd: FakePagerDuty;
  let og: FakeOpsgenie;
  let dir: string;

  beforeAll(async () => {
    pd = await new FakePagerDuty({ routingKeys: [keys.routing], token: keys.token }).start();
    og = await new FakeOpsgenie(keys.api).start();
    dir = mkdtempSync(join(tmpdir(), 'paging-doctor-'));
    writeFileSync(
      join(dir, 'paging.yml'),
      [
        'pagerduty:',
        `  api_url: ${pd.url}`,
        '  api_token_env: PAGERDUTY_API_TOKEN',
        '  webhook_secret_env: PAGERDUTY_WEBHOOK_SECRET',
        '  services:',
        '    checkout: { routing_key_env: PAGERDUTY_ROUTING_KEY_CHECKOUT, schedule: PSCHED1 }',
        'opsgenie:',
        `  api_url: ${og.url}`,
        '  api_key_env: OPSGENIE_API_KEY',
        '  services:',
        '    payments: { team: payments-team }',
      ].join('\n'),
    );
  });
  afterAll(async () => {
    await pd?.down();
    await og?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('checks the keys against both APIs and names the missing variable', async () => {
    const s = loadSettings({
      CONFIG_DIR: dir,
      PAGERDUTY_API_TOKEN: keys.token,
      PAGERDUTY_ROUTING_KEY_CHECKOUT: keys.routing,
      OPSGENIE_API_KEY: keys.api,
    });
    const results = await checkPaging(s);
    expect(results.filter((r) => r.ok).map((r) => r.check)).toEqual(['pagerduty events', 'pagerduty', 'opsgenie']);
    const failed = results.filter((r) => !r.ok);
    expect(failed).toEqual([expect.objectContaining({ check: 'paging', detail: 'PAGERDUTY_WEBHOOK_SECRET is not set' })]);
    expect(JSON.stringify(results)).not.toContain(keys.token);
  });

  it('a key the tool refuses fails with a fix', async () => {
    const s = loadSettings({ CONFIG_DIR: dir, PAGERDUTY_API_TOKEN: secret(), OPSGENIE_API_KEY: secret() });
    const results = await checkPaging(s);
    expect(results.find((r) => r.check === 'pagerduty')).toMatchObject({ ok: false, detail: expect.stringContaining('HTTP 401') });
    expect(results.find((r) => r.check === 'opsgenie')).toMatchObject({ ok: false, detail: expect.stringContaining('HTTP 401') });
  });

  it('says nothing when paging.yml is absent', async () => {
    expect(await checkPaging(loadSettings({ CONFIG_DIR: tmpdir() }))).toEqual([]);
  });
});
