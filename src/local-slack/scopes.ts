// OAuth scopes the local workspace grants its bot token. Slack reports them on every Web API
// response in the `x-oauth-scopes` header (comma-separated); `npm run doctor` compares that list
// with the manifest. By default the app is "installed with its manifest": it holds exactly the
// bot scopes manifest.yml asks for, so a scope dropped in a test is the only difference.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

/**
 * The repository's manifest.yml: the working directory's first (a built image runs
 * dist/src/local-slack/ with manifest.yml in /app), else next to the sources.
 */
export function defaultManifestFile(): string | undefined {
  return [resolve('manifest.yml'), fileURLToPath(new URL('../../manifest.yml', import.meta.url))].find((f) => existsSync(f));
}

/**
 * The bot scopes a Slack app manifest asks for (oauth_config.scopes.bot); [] without a readable
 * one: a missing manifest must not stop the local workspace, it only shows up as missing scopes.
 */
export function manifestBotScopes(file: string | undefined = defaultManifestFile()): string[] {
  let bot: unknown;
  try {
    const doc = file ? (parse(readFileSync(file, 'utf8')) as { oauth_config?: { scopes?: { bot?: unknown } } } | null) : null;
    bot = doc?.oauth_config?.scopes?.bot;
  } catch {
    bot = undefined;
  }
  return Array.isArray(bot) ? bot.map(String) : [];
}

/** The header Slack adds to answers of calls made with a token. */
export function scopeHeaders(scopes: readonly string[]): Record<string, string> {
  return { 'x-oauth-scopes': scopes.join(',') };
}
