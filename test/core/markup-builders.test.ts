import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { link, mention, slackDate, toSlackText } from '../../src/core/outbound.js';

/**
 * The outbound boundary escapes every `<` it did not make, so Slack markup written by hand in the
 * code (`<@${id}>`, `<${url}|label>`, `<!date^…>`) reaches Slack as text: a broken mention or link.
 * Markup the bot means is built with mention(), channelLink(), subteam(), link() and slackDate().
 */
const ROOTS = ['src', 'commands'];
// The local Slack workspace plays Slack itself; the builders live in outbound.ts; help and bind
// write usage placeholders such as `<channel>`, which are text and meant to be escaped.
const SKIP = ['src/local-slack/', 'src/core/outbound.ts', 'src/core/commands/help.ts', 'src/core/commands/bind.ts'];
const HAND_MADE = /<[@#]\$\{|<!(date|subteam|here|channel|everyone)\b|<\$\{|<https?:\/\/[^>\s`]*\|/;

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

describe('Slack markup only through the builders', () => {
  it('is not written by hand anywhere the bot renders messages', () => {
    const offenders = ROOTS.flatMap(files)
      .filter((f) => !SKIP.some((s) => f.startsWith(s)))
      .flatMap((f) =>
        readFileSync(f, 'utf8')
          .split('\n')
          .flatMap((line, i) => (HAND_MADE.test(line) && !/^\s*(\/\*|\*|\/\/)/.test(line) ? [`${f}:${i + 1}: ${line.trim()}`] : [])),
      );
    expect(offenders).toEqual([]);
  });

  it('builds what reaches Slack as markup: dates, links and mentions survive the boundary', () => {
    const at = Date.UTC(2026, 11, 1, 13, 39);
    expect(toSlackText(slackDate(at, '2026-12-01 13:39 UTC'))).toBe(`<!date^${at / 1000}^{date_short} {time}|2026-12-01 13:39 UTC>`);
    expect(toSlackText(`${link('https://ci.example/r/1', 'open')} by ${mention('U0BOB')}`)).toBe(
      '<https://ci.example/r/1|open> by <@U0BOB>',
    );
    expect(toSlackText(`<!date^1^{date_short}|x> <https://x.example|y>`)).toBe('&lt;!date^1^{date_short}|x> &lt;https://x.example|y>');
  });
});
