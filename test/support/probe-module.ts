import { z } from 'zod';
import { defineCommand, sub } from '../../src/core/commands/spec.js';
import type { ModuleFactory } from '../../src/core/module.js';

/**
 * A tiny module used only by the foundation tests: a command with a side effect (a counter and
 * a channel message), so retries, refusals, rate limits and restarts can be observed.
 */
export const probeModule: ModuleFactory = (ctx) => ({
  name: 'probe',
  commands: [
    defineCommand({
      name: 'probe',
      description: 'Test-only command with a side effect',
      subcommands: [
        sub({
          name: 'bump',
          summary: 'Increment a counter and announce it',
          args: z.object({ channel: z.string().default('C0GENERAL'), note: z.string().max(50).optional() }),
          permission: 'deployer',
          async handle(args) {
            const n = await ctx.store.incr(ctx.store.key('probe', 'counter'));
            await ctx.chat.post({ channel: args.channel, key: `probe-${n}`, text: `bump ${n}${args.note ? ` ${args.note}` : ''}` });
            return { text: `bumped to ${n}` };
          },
        }),
      ],
    }),
  ],
});
