import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { arg, optional, typedDefault } from '../../src/core/commands/args.js';
import { bindArgs, usageLine } from '../../src/core/commands/bind.js';
import { subcommandHelp } from '../../src/core/commands/help.js';
import { anyone, defineCommand, sub, type SubcommandSpec } from '../../src/core/commands/spec.js';
import { UsageError } from '../../src/core/errors.js';

/** What the router does with a schema: binds typed text, or refuses it with a UsageError. */
function spec(args: z.ZodObject, positionals: string[] = []): SubcommandSpec {
  return sub({ name: 'try', summary: 'try it', args, positionals: positionals as never, readOnly: true, handle: async () => undefined });
}
const bind = (s: SubcommandSpec, text: string) => bindArgs('t', s, text);
const refusal = (s: SubcommandSpec, text: string): string => {
  try {
    bind(s, text);
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return `${(err as UsageError).message} ${(err as UsageError).hints?.join(' ') ?? ''}`;
  }
  throw new Error(`${text} was accepted`);
};

describe('argument types (one grammar each, refused before a handler runs)', () => {
  it('user: a mention as Slack escapes it or a bare id, giving the id', () => {
    const s = spec(z.object({ who: arg.user() }), ['who']);
    expect(bind(s, '<@U0BOB|bob>')).toEqual({ who: 'U0BOB' });
    expect(bind(s, '<@W0ENT>')).toEqual({ who: 'W0ENT' });
    expect(bind(s, 'U0CAROL')).toEqual({ who: 'U0CAROL' });
    for (const bad of ['bob', '@bob', '<@u0bob>', '<@U1>', '<#C0GENERAL|general>', 'U0BOB>']) {
      expect(refusal(s, bad), bad).toContain('is not a user; mention them (@name) or give their id (U123).');
    }
    expect(refusal(s, 'bob')).toContain('<who>: `bob` is not a user');
    expect(refusal(s, 'bob')).toContain('Usage: `/t try <who>`');
  });

  it('channel: a channel link or a bare id, giving the id', () => {
    const s = spec(z.object({ channel: arg.channel() }));
    expect(bind(s, '--channel <#C0DEPLOYS|deploys>')).toEqual({ channel: 'C0DEPLOYS' });
    expect(bind(s, '--channel G0PRIVATE')).toEqual({ channel: 'G0PRIVATE' });
    for (const bad of ['deploys', '#deploys', '<@U0BOB>', 'c0deploys']) {
      expect(refusal(s, `--channel ${bad}`), bad).toContain(
        `--channel: \`${bad}\` is not a channel; link it (#name) or give its id (C123).`,
      );
    }
  });

  it('duration: 30s, 30m, 2h, 7d, 8w, giving ms and the text as typed; a default is written as typed', () => {
    const s = spec(z.object({ since: typedDefault(arg.duration(), '24h') }));
    expect(bind(s, '--since 30m')).toEqual({ since: { ms: 30 * 60_000, text: '30m' } });
    expect(bind(s, '--since 2H')).toEqual({ since: { ms: 2 * 3_600_000, text: '2H' } });
    expect(bind(s, '--since 7d')).toEqual({ since: { ms: 7 * 86_400_000, text: '7d' } });
    expect(bind(s, '')).toEqual({ since: { ms: 86_400_000, text: '24h' } });
    for (const bad of ['forever', '30', 'm', '-1h', '1.5h', '30 minutes', '9999999d']) {
      expect(refusal(s, `--since "${bad}"`), bad).toContain(`--since: \`${bad}\` is not a duration; use e.g. 30m, 2h or 7d.`);
    }
    expect(usageLine('t', s)).toBe('/t try [--since <since>]');
  });

  it('run id: r<n> only', () => {
    const s = spec(z.object({ run: arg.runId() }), ['run']);
    expect(bind(s, 'r42')).toEqual({ run: 'r42' });
    for (const bad of ['42', 'R42', 'run-42', 'r', 'r4x'])
      expect(refusal(s, bad), bad).toContain(`<run>: \`${bad}\` is not a run id; write it like r42.`);
    expect(refusal(s, '')).toContain('<run> is required.');
  });

  it('incident id: any case, with or without INC-, canonicalised to INC-<n>', () => {
    const s = spec(z.object({ id: optional(arg.incidentId()) }));
    for (const typed of ['INC-12', 'inc-12', 'Inc12', '12', 'INC-0012']) expect(bind(s, `--id ${typed}`), typed).toEqual({ id: 'INC-12' });
    expect(bind(s, '')).toEqual({});
    for (const bad of ['PLAN-12', 'INC-', 'INC-12a', 'incident-12', 'INC--12']) {
      expect(refusal(s, `--id ${bad}`), bad).toContain(`--id: \`${bad}\` is not an incident id; use e.g. INC-42.`);
    }
  });

  it('plan id: any case, with or without PLAN-, canonicalised to PLAN-<n>', () => {
    const s = spec(z.object({ id: arg.planId() }), ['id']);
    for (const typed of ['PLAN-7', 'plan-7', '7', 'PLAN-007']) expect(bind(s, typed), typed).toEqual({ id: 'PLAN-7' });
    for (const bad of ['INC-7', 'plan7x', 'PLAN-', 'banana'])
      expect(refusal(s, bad), bad).toContain(`<id>: \`${bad}\` is not a plan item id; write it like PLAN-7.`);
  });

  it('actor: a user as for user(), or a system actor name as written', () => {
    const s = spec(z.object({ user: arg.actor() }));
    expect(bind(s, '--user <@U0BOB|bob>')).toEqual({ user: 'U0BOB' });
    expect(bind(s, '--user helpdesk')).toEqual({ user: 'helpdesk' });
    expect(refusal(s, '--user "<script>"')).toContain('is neither a user (@name, U123) nor a system actor name.');
  });

  it("clips a long refused word and keeps each type's help, optional or defaulted", () => {
    const s = spec(z.object({ who: arg.user() }), ['who']);
    expect(refusal(s, 'x'.repeat(300))).toContain(`\`${'x'.repeat(40)}…\` is not a user`);
    const cmd = defineCommand({
      name: 't',
      description: 'd',
      subcommands: [
        sub({
          name: 'try',
          summary: 'try it',
          args: z.object({
            who: arg.user('the person to page'),
            since: typedDefault(arg.duration('how far back'), '1h'),
            id: optional(arg.incidentId()),
          }),
          permission: anyone('test'),
          handle: async () => undefined,
        }),
      ],
    });
    const help = subcommandHelp(cmd, cmd.subcommands[0]!).text;
    expect(help).toContain('`--who`: the person to page');
    expect(help).toContain('`--since`: how far back');
    expect(help).toContain('`--id`: the incident, e.g. INC-42');
  });
});
