// Slash commands and message shortcuts for the message box's autocomplete, read from manifest.yml
// (the local workspace knows the app only by its manifest, as Slack does).
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { defaultManifestFile } from '../scopes.js';

export interface CommandHint {
  command: string;
  description: string;
  usage: string;
  /** First words of the usage hint's alternatives: `status|logs <run> | history` -> status, logs, history. */
  subcommands: string[];
}

export interface ShortcutHint {
  name: string;
  callbackId: string;
}

export interface AppSurface {
  commands: CommandHint[];
  shortcuts: ShortcutHint[];
}

export function subcommandsOf(usage: string): string[] {
  const words = new Set<string>();
  for (const alt of usage.split(/\s\|\s/)) {
    const head = alt.trim().split(/\s+/)[0] ?? '';
    for (const w of head.split('|')) if (/^[a-z][a-z0-9:-]*$/.test(w)) words.add(w);
  }
  return [...words];
}

export function loadAppSurface(file: string | undefined = defaultManifestFile()): AppSurface {
  type Manifest = { features?: { slash_commands?: unknown; shortcuts?: unknown } } | null;
  let doc: Manifest;
  try {
    doc = file ? (parse(readFileSync(file, 'utf8')) as Manifest) : null;
  } catch {
    doc = null;
  }
  const list = (v: unknown) => (Array.isArray(v) ? (v as Record<string, unknown>[]) : []);
  return {
    commands: list(doc?.features?.slash_commands).map((c) => {
      const usage = String(c.usage_hint ?? '');
      return { command: String(c.command), description: String(c.description ?? ''), usage, subcommands: subcommandsOf(usage) };
    }),
    shortcuts: list(doc?.features?.shortcuts)
      .filter((s) => s.type === 'message')
      .map((s) => ({ name: String(s.name), callbackId: String(s.callback_id) })),
  };
}
