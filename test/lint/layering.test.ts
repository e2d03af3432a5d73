import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { cruise, type ICruiseResult, type IConfiguration } from 'dependency-cruiser';
import { ESLint } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';

// The layering rules, seen from the side of code that breaks them: each fixture (laid out like the
// repository under test/lint/fixtures) must be rejected by ESLint AND dependency-cruiser with the
// project's own configs, naming the rule; the clean fixture, which uses src/core's own commands/
// and config/ folders and the message types, must pass both (no false positive from the look-alike names).
const ROOT = resolve(import.meta.dirname, '../..');
const FIXTURES = join(ROOT, 'test/lint/fixtures');

const REJECTED: Array<{ file: string; rule: string }> = [
  { file: 'src/domain/probe/domain-imports-surface.ts', rule: 'domain-no-surface' },
  { file: 'src/core/core-imports-surface.ts', rule: 'domain-no-surface' },
  { file: 'src/domain/probe/domain-imports-blocks.ts', rule: 'domain-no-blocks' },
  { file: 'src/domain/probe/domain-imports-config.ts', rule: 'domain-no-config' },
  { file: 'src/core/core-imports-config.ts', rule: 'domain-no-config' },
  { file: 'src/domain/probe/domain-imports-app.ts', rule: 'domain-no-adapters' },
  { file: 'commands/pipelines/imports-config.ts', rule: 'surfaces-through-ports' },
  { file: 'commands/pipelines/imports-adapter.ts', rule: 'surfaces-through-ports' },
];
const CLEAN = 'src/domain/probe/clean.ts';

/** ESLint as `npm run lint` runs it, on the fixture's text placed at the same path in the project. */
async function eslintMessages(eslint: ESLint, file: string): Promise<string[]> {
  const [result] = await eslint.lintText(readFileSync(join(FIXTURES, file), 'utf8'), { filePath: join(ROOT, file) });
  return (result?.messages ?? []).map((m) => `${m.ruleId}: ${m.message}`);
}

/** dependency-cruiser with the project's rules and resolve options, the fixtures folder as base. */
async function cruiseRules(config: IConfiguration, file: string): Promise<string[]> {
  // tsConfig names the project's tsconfig.json, which does not describe the fixtures; resolving
  // `./x.js` to `x.ts` needs only the extensions in enhancedResolveOptions.
  const { tsConfig: _tsConfig, ...options } = config.options ?? {};
  const result = await cruise([file], {
    ...options,
    ruleSet: { forbidden: config.forbidden ?? [] },
    validate: true,
    baseDir: FIXTURES,
    outputType: 'json',
  });
  const output = (typeof result.output === 'string' ? JSON.parse(result.output) : result.output) as ICruiseResult;
  return output.summary.violations.filter((v) => v.from === file).map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`);
}

describe('the layering rules fire', () => {
  let eslint: ESLint;
  let config: IConfiguration;
  beforeAll(() => {
    eslint = new ESLint({ cwd: ROOT });
    config = createRequire(import.meta.url)(join(ROOT, '.dependency-cruiser.cjs')) as IConfiguration;
  });

  it.each(REJECTED)('ESLint rejects $file under no-restricted-imports naming $rule', async ({ file, rule }) => {
    const messages = await eslintMessages(eslint, file);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatch(new RegExp(`^no-restricted-imports: .*\\[layering: ${rule}\\]`));
  });

  it.each(REJECTED)('dependency-cruiser rejects $file under $rule', async ({ file, rule }) => {
    const violations = await cruiseRules(config, file);
    expect(violations).toHaveLength(1);
    expect(violations[0]).toMatch(new RegExp(`^${rule}: `));
  });

  it('ESLint rejects Block Kit written by hand in src/domain, naming domain-no-blocks', async () => {
    const messages = await eslintMessages(eslint, 'src/domain/probe/domain-builds-blocks.ts');
    // Two literals: the section and its mrkdwn text object.
    expect(messages).toHaveLength(2);
    for (const m of messages) expect(m).toMatch(/^no-restricted-syntax: \[layering: domain-no-blocks\]/);
  });

  it('both pass the clean fixture, which imports src/core/commands and src/core/config', async () => {
    expect(await eslintMessages(eslint, CLEAN)).toEqual([]);
    // Only the clean file's own edges count: it imports a rejected fixture to prove local imports pass.
    expect(await cruiseRules(config, CLEAN)).toEqual([]);
  });

  it('the fixtures stay out of the normal lint run', async () => {
    expect(await eslint.isPathIgnored(join(FIXTURES, 'src/domain/probe/domain-imports-surface.ts'))).toBe(true);
  });
});
