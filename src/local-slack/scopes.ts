// OAuth scopes the local workspace grants its bot token. Slack reports them on every Web API
// response in the `x-oauth-scopes` header (comma-separated); `npm run doctor` compares that list
// with the manifest. By default the app is "installed with its manifest": it holds exactly the
// bot scopes manifest.yml asks for, so a scope dropped in a test is the only difference.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

export const DEFAULT_MANIFEST_FILE = fileURLToPath(new URL('../../manifest.yml', import.meta.url));

/** The bot scopes a Slack app manifest asks for (oauth_config.scopes.bot); [] when it names none. */
export function manifestBotScopes(file: string = DEFAULT_MANIFEST_FILE): string[] {
  const doc = parse(readFileSync(file, 'utf8')) as { oauth_config?: { scopes?: { bot?: unknown } } } | null;
  const bot = doc?.oauth_config?.scopes?.bot;
  return Array.isArray(bot) ? bot.map(String) : [];
}

/** The header Slack adds to answers of calls made with a token. */
export function scopeHeaders(scopes: readonly string[]): Record<string, string> {
  return { 'x-oauth-scopes': scopes.join(',') };
}
