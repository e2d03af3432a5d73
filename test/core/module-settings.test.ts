import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MODULES } from '../../src/app/modules.js';
import { settingsFor, withSettings } from '../../src/app/module-settings.js';
import { fingerprintKeyFor } from '../../src/app/modules/injection.js';
import { injectionModule } from '../../src/app/wire-injection.js';
import { SECRET_SETTINGS, loadSettings } from '../../src/config/settings.js';
import { loadYamlFile } from '../../src/core/config/yaml-file.js';
import type { AppContext, ModuleFactory, ModuleSettings } from '../../src/core/module.js';
import { injectionFileSchema } from '../../src/domain/injection/config.js';
import { Fingerprinter, PROCESS_KEY_ORIGIN } from '../../src/domain/injection/fingerprint.js';
import { startHarness, type Harness } from '../support/harness.js';

// A module sees the settings its wiring declared and nothing else: not Slack's secrets, not
// another capability's tokens. Seen from a module that would like to read more than it asked for.
const GITHUB_TOKEN = 'ghp_declared_by_the_probe';
const ALERTMANAGER_TOKEN = 'am-token-not-for-the-probe';

describe('modules receive only the settings they declare', () => {
  let h: Harness;
  const seen: { ctx?: AppContext; declared?: ModuleSettings; plain?: ModuleSettings } = {};
  const declaring = withSettings(['GITHUB_TOKEN', 'CI_POLL_MS'], (ctx, s) => {
    seen.ctx = ctx;
    seen.declared = s;
    return { name: 'declaring-probe' };
  });
  const plain: ModuleFactory = (_ctx, s) => {
    seen.plain = s;
    return { name: 'plain-probe' };
  };

  beforeAll(async () => {
    h = await startHarness({
      name: 'module-settings',
      modules: [declaring, plain],
      env: { GITHUB_TOKEN, ALERTMANAGER_TOKEN, CONFIG_FINGERPRINT_KEY: 'k'.repeat(32) },
    });
  });
  afterAll(() => h?.close());

  it('hands a declaring module exactly its settings, and the context carries none', () => {
    expect(seen.declared).toEqual({ GITHUB_TOKEN, CI_POLL_MS: 5000 });
    expect(Object.isFrozen(seen.declared)).toBe(true);
    expect(seen.ctx && 'settings' in seen.ctx).toBe(false);
    expect(JSON.stringify(Object.values(seen.ctx ?? {}).filter((v) => typeof v === 'string'))).not.toContain(ALERTMANAGER_TOKEN);
  });

  it('hands a module that declares nothing an empty slice', () => {
    expect(seen.plain).toEqual({});
  });

  it('refuses at start-up a declared name that is no setting', () => {
    const typo = Object.assign(((_ctx: AppContext) => ({ name: 'typo' })) as ModuleFactory, { settings: ['GITHUB_TOKN'] });
    expect(() => settingsFor(typo, loadSettings({}))).toThrow(/unknown setting\(s\) GITHUB_TOKN/);
  });

  it('no production module declares a Slack credential; the fingerprint key has its own setting', () => {
    const slack = SECRET_SETTINGS.filter((n) => n.startsWith('SLACK_'));
    for (const factory of MODULES) for (const name of slack) expect(factory.settings ?? []).not.toContain(name);
    expect(injectionModule.settings).toContain('CONFIG_FINGERPRINT_KEY');
    expect(SECRET_SETTINGS).toContain('CONFIG_FINGERPRINT_KEY');
  });
});

describe('the config fingerprint key', () => {
  const file = loadYamlFile('config/injection.yml', injectionFileSchema);

  it('comes from CONFIG_FINGERPRINT_KEY without Vault: two processes of a deployment agree, another deployment does not', async () => {
    const secret = 'a'.repeat(40);
    const web = new Fingerprinter(fingerprintKeyFor(file, undefined, secret));
    const worker = new Fingerprinter(fingerprintKeyFor(file, undefined, secret));
    const other = new Fingerprinter(fingerprintKeyFor(file, undefined, 'b'.repeat(40)));
    expect(web.origin).toBe('derived from CONFIG_FINGERPRINT_KEY');
    expect(await worker.fingerprint('hunter2')).toBe(await web.fingerprint('hunter2'));
    expect(await other.fingerprint('hunter2')).not.toBe(await web.fingerprint('hunter2'));
  });

  it('falls back to a random key per process when neither Vault nor the setting gives one', () => {
    expect(fingerprintKeyFor(file, undefined, undefined).origin).toBe(PROCESS_KEY_ORIGIN);
  });

  it('refuses a key too short to be a secret', () => {
    expect(() => loadSettings({ CONFIG_FINGERPRINT_KEY: 'short' })).toThrow(/CONFIG_FINGERPRINT_KEY: at least 32 characters/);
  });
});
