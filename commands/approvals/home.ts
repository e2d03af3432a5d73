import { type Block, escapeMrkdwn, header, md } from '../../src/core/blocks.js';
import type { HomeSection } from '../../src/core/home.js';
import type { AppContext } from '../../src/core/module.js';
import type { GateStore } from '../../src/domain/approvals/gates.js';
import { gateTitle, statusLine } from './gate-text.js';
import { listEntry, MAX_LISTED } from './render.js';

/** The App Home section: requests waiting for this person's vote, and their own deployments waiting for approval. */
export function approvalsHome(ctx: AppContext, gates: GateStore): HomeSection {
  return {
    order: 10,
    async render(userId) {
      const waiting = await gates.waitingFor(await ctx.access.actor(userId));
      const own = (await gates.unsettled()).filter((g) => g.status === 'pending' && g.requestedBy === userId);
      if (!waiting.length && !own.length) return [];
      const blocks: Block[] = [header('Approvals waiting for you')];
      if (!waiting.length) blocks.push(md('_Nothing waits for your approval._'));
      blocks.push(...waiting.slice(0, MAX_LISTED).flatMap(listEntry));
      if (own.length) {
        blocks.push(md('*Your deployments waiting for approval*'));
        for (const g of own.slice(0, MAX_LISTED)) blocks.push(md(`*${escapeMrkdwn(gateTitle(g))}*\n${statusLine(g)}`));
      }
      return blocks;
    },
  };
}
