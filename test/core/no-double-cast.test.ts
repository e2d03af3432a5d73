import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

/**
 * `x as unknown as T` is how a payload used to cross a boundary unchecked. src/
 * declare or parse payloads instead (defineEvent, defineJob, zod schemas); the lint rule
 * `switchyard/no-double-cast` (eslint.config.js) refuses a new one, and this test holds both.
 */
const root = join(import.meta.dirname, '../..');
const sources = (dir: string): string[] =>
  readdirSync(join(root, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : /\.[cm]?ts$/.test(e.name) ? [join(dir, e.name)] : [],
  );

describe('no double casts in src/', () => {
  it('has none today', () => {
    const offenders = ['src', 'commands']
      .flatMap(sources)
      .filter((f) => /\bas\s+unknown\s+as\b|(?<![\w$.\]>)])<unknown>/.test(readFileSync(join(root, f), 'utf8')));
    expect(offenders).toEqual([]);
  });

  it('is refused by the lint in both layers, and a single narrow cast is not', async () => {
    const eslint = new ESLint({ cwd: root });
    const code = [
      'const raw: unknown = JSON.parse("{}");',
      'export const a = raw as unknown as { id: string };',
      'export const b = <string>(<unknown>raw);',
      'export const c = raw as string;',
    ].join('\n');
    for (const filePath of [
      'src/domain/fixture-double-cast.ts',
      'src/core/fixture-double-cast.ts',
      'src/adapters/fixture-double-cast.ts',
      'commands/fixture-double-cast.ts',
    ]) {
      const [result] = await eslint.lintText(code, { filePath: join(root, filePath) });
      const hits = result!.messages.filter((m) => m.ruleId === 'no-restricted-syntax' && m.message.startsWith('[no-double-cast]'));
      expect(
        hits.map((m) => m.line),
        relative(root, filePath),
      ).toEqual([2, 3]);
    }
  });
});
