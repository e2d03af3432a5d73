import { describe, expect, it } from 'vitest';

import { loadManifest } from './support/manifest.js';

const manifest = loadManifest();
const commands = manifest.features.slash_commands;

/** Slash commands and the subcommands their usage hints must mention. */
const EXPECTED_COMMANDS: Record<string, string[]> = {
  '/switchyard': ['help', 'whoami', 'audit'],
  '/pipeline': ['list', 'run', 'status', 'logs', 'cancel', 'retry', 'history', 'approvals'],
  '/config': ['get', 'list', 'explain', 'diff', 'render', 'reveal'],
  '/incident': ['declare', 'update', 'note', 'role', 'severity', 'status', 'ack', 'resolve', 'list', 'show', 'metrics'],
  '/plan': ['add', 'list', 'show', 'move', 'assign', 'link', 'drop', 'iteration'],
  '/inspect': ['run', 'findings', 'ack'],
};

const REQUIRED_BOT_SCOPES = [
  'commands',
  'chat:write',
  'chat:write.public',
  'channels:manage',
  'channels:read',
  'channels:history',
  'groups:write',
  'groups:read',
  'pins:write',
  'bookmarks:write',
  'users:read',
  'users:read.email',
  'usergroups:read',
  'app_mentions:read',
  'reactions:read',
  'im:write',
  'im:history',
];

const ENDPOINT_SUFFIX = '/slack/events';

/** Every `url` / `request_url` string anywhere in the manifest, with its key path. */
function allUrls(node: unknown, path = ''): Array<[string, string]> {
  if (Array.isArray(node)) return node.flatMap((item, i) => allUrls(item, `${path}[${i}]`));
  if (node !== null && typeof node === 'object') {
    return Object.entries(node).flatMap(([key, value]): Array<[string, string]> => {
      const here = path ? `${path}.${key}` : key;
      if ((key === 'url' || key === 'request_url') && typeof value === 'string') return [[here, value]];
      return allUrls(value, here);
    });
  }
  return [];
}

describe('manifest.yml', () => {
  it('is a v2.1 manifest for the Switchyard bot user', () => {
    expect(manifest._metadata).toMatchObject({ major_version: 2, minor_version: 1 });
    expect(manifest.display_information.name).toBe('Switchyard');
    expect(manifest.features.bot_user.display_name).toBe('switchyard');
    expect(manifest.features.app_home).toMatchObject({ home_tab_enabled: true, messages_tab_enabled: true });
  });

  it('declares the six slash commands, each once', () => {
    const names = commands.map((c) => c.command);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toEqual(expect.arrayContaining(Object.keys(EXPECTED_COMMANDS)));
  });

  it.each(commands.map((c) => [c.command, c] as const))('%s: valid name, description and usage hint', (name, command) => {
    expect(name.startsWith('/')).toBe(true);
    expect(name.length).toBeLessThanOrEqual(32);
    expect(name).toMatch(/^\/[a-z0-9_-]+$/);
    expect(command.description.trim()).not.toBe('');
    expect(command.usage_hint?.trim() ?? '', `${name} needs a usage_hint`).not.toBe('');
    expect(command.usage_hint?.length ?? 0).toBeLessThanOrEqual(100);
    // Escaping turns @mentions into <@U…|name>, so commands receive user ids, not display names.
    expect(command.should_escape).toBe(true);
  });

  it.each(Object.entries(EXPECTED_COMMANDS))('%s: usage hint mentions every subcommand', (name, subcommands) => {
    const hint = commands.find((c) => c.command === name)?.usage_hint ?? '';
    const words = new Set(hint.split(/[^a-z]+/));
    expect(subcommands.filter((sub) => !words.has(sub))).toEqual([]);
  });

  it('asks for the bot scopes Switchyard needs', () => {
    const scopes = manifest.oauth_config.scopes.bot;
    expect(new Set(scopes).size).toBe(scopes.length);
    expect(scopes).toEqual(expect.arrayContaining(REQUIRED_BOT_SCOPES));
  });

  it('has the two message shortcuts', () => {
    const shortcuts = manifest.features.shortcuts;
    const byId = new Map(shortcuts.map((s) => [s.callback_id, s]));
    expect(byId.get('plan.add_from_message')).toMatchObject({ type: 'message', name: 'Add to plan' });
    expect(byId.get('incident.note_from_message')).toMatchObject({ type: 'message', name: 'Add to incident timeline' });
  });

  it('subscribes to the bot events the app handles', () => {
    expect(manifest.settings.event_subscriptions?.bot_events).toEqual(
      expect.arrayContaining(['app_mention', 'reaction_added', 'member_joined_channel', 'app_home_opened']),
    );
    expect(manifest.settings.interactivity?.is_enabled).toBe(true);
  });

  it(`sends everything to the one Bolt endpoint (${ENDPOINT_SUFFIX})`, () => {
    const urls = allUrls(manifest);
    for (const [where, url] of urls) {
      expect(url, where).toMatch(/^https:\/\//);
      expect(url.endsWith(ENDPOINT_SUFFIX), `${where} = ${url}`).toBe(true);
    }
    if (manifest.settings.socket_mode_enabled !== true) {
      // HTTP mode: Slack needs a URL for every command, for events and for interactivity.
      for (const command of commands) expect(command.url, `${command.command} url`).toBeDefined();
      expect(manifest.settings.event_subscriptions?.request_url).toBeDefined();
      expect(manifest.settings.interactivity?.request_url).toBeDefined();
    }
  });
});
