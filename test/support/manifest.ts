/**
 * Loads and shape-checks the Slack app manifest (manifest.yml at the repository root).
 *
 * Used by test/manifest.test.ts; also the entry point for checks that compare the manifest with
 * the command registry (e.g. every registered slash command and subcommand appears here):
 *
 *   import { loadManifest, slashCommandNames } from './support/manifest.js';
 *   const manifest = loadManifest();
 *   manifest.features.slash_commands.map((c) => c.command); // ['/switchyard', '/pipeline', ...]
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { parse } from 'yaml';
import { z } from 'zod';

/** Absolute path of manifest.yml. */
export const MANIFEST_PATH = fileURLToPath(new URL('../../manifest.yml', import.meta.url));

const slashCommandSchema = z.looseObject({
  command: z.string(),
  /** Absent in Socket Mode. */
  url: z.string().optional(),
  description: z.string(),
  usage_hint: z.string().optional(),
  should_escape: z.boolean().optional(),
});

const shortcutSchema = z.looseObject({
  name: z.string(),
  type: z.enum(['message', 'global']),
  callback_id: z.string(),
  description: z.string(),
});

/** The parts of a Slack app manifest (v2) that Switchyard uses; unknown keys are kept. */
export const manifestSchema = z.looseObject({
  _metadata: z.looseObject({ major_version: z.number(), minor_version: z.number() }),
  display_information: z.looseObject({
    name: z.string(),
    description: z.string().optional(),
    long_description: z.string().optional(),
    background_color: z.string().optional(),
  }),
  features: z.looseObject({
    app_home: z
      .looseObject({
        home_tab_enabled: z.boolean().optional(),
        messages_tab_enabled: z.boolean().optional(),
      })
      .optional(),
    bot_user: z.looseObject({ display_name: z.string(), always_online: z.boolean().optional() }),
    slash_commands: z.array(slashCommandSchema).default([]),
    shortcuts: z.array(shortcutSchema).default([]),
  }),
  oauth_config: z.looseObject({
    scopes: z.looseObject({ bot: z.array(z.string()).default([]) }),
  }),
  settings: z.looseObject({
    event_subscriptions: z
      .looseObject({
        request_url: z.string().optional(),
        bot_events: z.array(z.string()).default([]),
      })
      .optional(),
    interactivity: z
      .looseObject({
        is_enabled: z.boolean(),
        request_url: z.string().optional(),
      })
      .optional(),
    org_deploy_enabled: z.boolean().optional(),
    socket_mode_enabled: z.boolean().optional(),
    token_rotation_enabled: z.boolean().optional(),
  }),
});

export type SlackManifest = z.infer<typeof manifestSchema>;
export type ManifestSlashCommand = z.infer<typeof slashCommandSchema>;
export type ManifestShortcut = z.infer<typeof shortcutSchema>;

/**
 * Reads and parses manifest.yml (or `path`), checks its shape and returns it typed.
 * Throws with the offending keys if the YAML is invalid or a required key is missing.
 */
export function loadManifest(path: string = MANIFEST_PATH): SlackManifest {
  const raw: unknown = parse(readFileSync(path, 'utf8'));
  const result = manifestSchema.safeParse(raw);
  if (!result.success) {
    throw new Error(`${path} is not a valid Slack manifest:\n${z.prettifyError(result.error)}`);
  }
  return result.data;
}

/** Slash command names as written in the manifest, e.g. `/pipeline`. */
export function slashCommandNames(manifest: SlackManifest = loadManifest()): string[] {
  return manifest.features.slash_commands.map((c) => c.command);
}

/** The slash command entry named `name` (with or without the leading `/`), if any. */
export function findSlashCommand(name: string, manifest: SlackManifest = loadManifest()): ManifestSlashCommand | undefined {
  const wanted = name.startsWith('/') ? name : `/${name}`;
  return manifest.features.slash_commands.find((c) => c.command === wanted);
}
