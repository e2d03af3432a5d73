import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

/**
 * Prettier keeps code within 140 columns but cannot break a long string, template, regex or
 * comment: this holds the rest. Every tracked source file, tests and tooling included.
 */
describe('line length', () => {
  it('keeps every line of every source file within 140 characters', () => {
    const files = execFileSync('git', ['ls-files', '*.ts', '*.js', '*.cjs', '*.mjs'], { encoding: 'utf8' }).split('\n').filter(Boolean);
    expect(files.length).toBeGreaterThan(100);
    const long = files.flatMap((f) =>
      readFileSync(f, 'utf8')
        .split('\n')
        .flatMap((line, i) => (line.length > 140 ? [`${f}:${i + 1} (${line.length})`] : [])),
    );
    expect(long).toEqual([]);
  });
});
