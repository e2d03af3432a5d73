import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { bindArgs, usageLine } from '../../src/core/commands/bind.js';
import { sub } from '../../src/core/commands/spec.js';
import { tokenize } from '../../src/core/commands/tokenize.js';
import { UsageError } from '../../src/core/errors.js';

const run = sub({
  name: 'run',
  summary: 'Run a pipeline',
  args: z.object({
    name: z.string(),
    env: z.enum(['staging', 'production']).optional(),
    param: z.array(z.string().regex(/^[^=]+=/, 'use k=v')).default([]),
    noQueue: z.boolean().default(false),
    count: z.coerce.number().int().min(1).default(1),
  }),
  positionals: ['name'],
  placeholders: { env: 'E', param: 'k=v' },
  permission: 'deployer',
  async handle() {},
});

const bind = (text: string) => bindArgs('pipeline', run, text);

describe('one argument syntax everywhere', () => {
  it('splits words, "quoted strings", curly quotes, --flag value and --flag=value', () => {
    const t = tokenize('deploy "two words" --env production --ref=v1.2 “curly quoted” --dry');
    expect(t.positionals).toEqual(['deploy', 'two words', 'curly quoted']);
    expect(t.flags.get('env')).toEqual(['production']);
    expect(t.flags.get('ref')).toEqual(['v1.2']);
    expect(t.flags.get('dry')).toEqual([true]);
  });

  it('treats a quoted word starting with -- as a value, not a flag', () => {
    expect(tokenize('"--not-a-flag"').positionals).toEqual(['--not-a-flag']);
  });

  it('reports an unclosed quote as a usage error', () => {
    expect(() => tokenize('say "hello')).toThrow(UsageError);
  });

  it('binds positionals, enums, repeated flags, booleans and numbers through the zod schema', () => {
    expect(bind('checkout --env production --param a=1 --param b=2 --no-queue --count 3')).toEqual({
      name: 'checkout',
      env: 'production',
      param: ['a=1', 'b=2'],
      noQueue: true,
      count: 3,
    });
  });

  it('generates the usage line from the spec', () => {
    expect(usageLine('pipeline', run)).toBe('/pipeline run <name> [--env <E>] [--param <k=v>]... [--no-queue] [--count <count>]');
  });

  it.each([
    ['', '<name> is required.'],
    ['a b', 'Unexpected argument `b`.'],
    ['a --colour red', 'Unknown flag `--colour`.'],
    ['a --env qa', '--env:'],
    ['a --env staging --env production', 'given 2 times'],
    ['a --param nokey', '--param: use k=v'],
    ['a --count zero', '--count:'],
  ])('rejects %j with a specific message and the usage line', (text, message) => {
    try {
      bind(text);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(UsageError);
      expect((err as UsageError).message).toContain(message);
      expect((err as UsageError).hints[0]).toContain('Usage: `/pipeline run <name>');
    }
  });
});
