import { describe, expect, it } from 'vitest';
import { settingsFor } from '../../src/app/module-settings.js';
import { ticketsModuleWith } from '../../src/app/wire-tickets.js';
import { loadSettings } from '../../src/config/settings.js';
import { SecretRegistry } from '../../src/core/mask.js';
import type { AppContext } from '../../src/core/module.js';
import { silentLogger } from '../../src/core/ports/runtime.js';
import { loadTicketsConfig, ticketsConfigSchema } from '../../src/domain/tickets/config.js';

// config/tickets.yml is checked at start-up: tickets are off unless it names a system, it names
// the variables that hold credentials (only the ones declared for tickets), never the values.
describe('config/tickets.yml', () => {
  it('ships off, and no file at all means off', () => {
    expect(loadTicketsConfig('config/tickets.yml').system).toBe('off');
    expect(loadTicketsConfig('config/no-such-tickets.yml')).toMatchObject({ system: 'off', open_for: ['SEV1', 'SEV2'] });
  });

  it('refuses a system without its section, and a credential variable that is not a ticket one', () => {
    expect(ticketsConfigSchema.safeParse({ system: 'jira' }).success).toBe(false);
    const leaky = ticketsConfigSchema.safeParse({
      system: 'servicenow',
      servicenow: { instance: 'https://x.service-now.com', password_env: 'SLACK_BOT_TOKEN', default: { assignment_group: 'SD' } },
    });
    expect(leaky.success).toBe(false);
    expect(JSON.stringify(leaky.error?.issues)).toContain('password_env');
  });

  it('stops start-up naming the variable (never a value) when a configured system has no credentials', () => {
    const config = ticketsConfigSchema.parse({
      system: 'servicenow',
      servicenow: { instance: 'https://x.service-now.com', default: { assignment_group: 'SD' } },
    });
    const factory = ticketsModuleWith({ config });
    const settings = loadSettings({ SERVICENOW_USERNAME: 'integration' });
    // Only what the factory touches before it fails: where config lives, the secret registry, a logger.
    const ctx = { configDir: 'config', secrets: new SecretRegistry(), log: silentLogger } as Partial<AppContext> as AppContext;
    expect(() => factory(ctx, settingsFor(factory, settings))).toThrow(
      /servicenow\.password_env reads SERVICENOW_PASSWORD, which is not set/,
    );
  });
});
