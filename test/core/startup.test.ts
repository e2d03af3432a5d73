import { describe, expect, it } from 'vitest';
import { createSwitchyard } from '../../src/app/app.js';
import { loadSettings } from '../../src/config/settings.js';
import { ConfigError } from '../../src/core/errors.js';
import { silentLogger } from '../../src/core/ports/runtime.js';
import { REDIS_URL } from '../support/redis.js';

const base = { REDIS_URL, REDIS_PREFIX: 't-startup', PORT: '0', LOG_LEVEL: 'silent' };

describe('start-up refuses what cannot work', () => {
  it('names the variable and what it expects for a malformed setting', () => {
    expect(() => loadSettings({ ...base, PORT: 'eighty' })).toThrow(/PORT: .*number/);
    expect(() => loadSettings({ ...base, REDIS_URL: 'localhost:6379' })).toThrow(/REDIS_URL: a redis:\/\/ or rediss:\/\/ URL/);
    expect(() => loadSettings({ ...base, SLACK_BOT_TOKEN: 'xoxb-1' })).toThrow(
      /SLACK_SIGNING_SECRET: SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET go together/,
    );
    expect(() => loadSettings({ ...base, SLACK_BOT_TOKEN: 'xoxp-user', SLACK_SIGNING_SECRET: 'abcdefgh12' })).toThrow(
      /SLACK_BOT_TOKEN: a bot token starting with xoxb-/,
    );
    expect(() => loadSettings({ ...base, VAULT_ADDR: 'http://127.0.0.1:8200' })).toThrow(ConfigError);
  });

  it('hands commands it runs only a harmless environment, never the bot tokens', () => {
    const s = loadSettings({
      ...base,
      PATH: '/usr/bin:/bin',
      HOME: '/home/bot',
      SLACK_BOT_TOKEN: 'xoxb-secret',
      SLACK_SIGNING_SECRET: 'signing-secret',
      VAULT_TOKEN: 'hvs.x',
    });
    expect(s.COMMAND_ENV).toEqual({ PATH: '/usr/bin:/bin', HOME: '/home/bot' });
    const wider = loadSettings({
      ...base,
      PATH: '/bin',
      KUBECONFIG: '/etc/kube',
      AWS_PROFILE: 'ci',
      AWSX: 'no',
      COMMAND_ENV_PASSTHROUGH: 'KUBECONFIG,AWS_*,VAULT_TOKEN',
      VAULT_TOKEN: 'hvs.x',
    });
    // a secret setting is never passed, even when named
    expect(wider.COMMAND_ENV).toEqual({ PATH: '/bin', KUBECONFIG: '/etc/kube', AWS_PROFILE: 'ci' });
    expect(() => loadSettings({ ...base, COMMAND_ENV_PASSTHROUGH: 'KUBE CONFIG' })).toThrow(/COMMAND_ENV_PASSTHROUGH/);
  });

  it('fails when a module enqueues a job name that no module processes', async () => {
    const settings = loadSettings(base);
    await expect(
      createSwitchyard({
        settings,
        role: 'worker',
        slack: { token: 'xoxb-x', signingSecret: 'secret-secret' },
        modules: [() => ({ name: 'ghost', enqueues: ['ghost.haunt'] })],
        log: silentLogger,
      }),
    ).rejects.toThrow('No processor for job names: ghost.haunt (enqueued by ghost)');
  });

  it('fails when two modules process the same job name', async () => {
    const settings = loadSettings(base);
    const processor = { name: 'twin.job', process: async () => undefined };
    await expect(
      createSwitchyard({
        settings,
        role: 'worker',
        slack: { token: 'xoxb-x', signingSecret: 'secret-secret' },
        modules: [() => ({ name: 'a', jobs: [processor] }), () => ({ name: 'b', jobs: [processor] })],
        log: silentLogger,
      }),
    ).rejects.toThrow(/twin\.job/);
  });
});
