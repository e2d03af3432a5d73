import { z } from 'zod';
import { md } from '../../src/core/blocks.js';
import { sub, type SubcommandSpec } from '../../src/core/commands/spec.js';
import type { GateStore } from '../../src/domain/approvals/gates.js';
import { listEntry, MAX_LISTED } from './render.js';

/** `/pipeline approvals`: the open requests this person may still decide, with their buttons. */
export function approvalsSubcommand(gates: GateStore): SubcommandSpec {
  return sub({
    name: 'approvals',
    summary: 'Approval requests waiting for you, with Approve / Reject buttons',
    args: z.object({}),
    permission: null,
    readOnly: true,
    async handle(_args, cmd) {
      const waiting = await gates.waitingFor(cmd.actor);
      if (!waiting.length) return { text: 'No approval requests are waiting for you.' };
      const shown = waiting.slice(0, MAX_LISTED);
      const more = waiting.length - shown.length;
      const text = `${waiting.length} approval request${waiting.length === 1 ? '' : 's'} waiting for you.`;
      return { text, blocks: [md(`*${text}*${more > 0 ? ` The oldest ${MAX_LISTED} are shown.` : ''}`), ...shown.flatMap(listEntry)] };
    },
  });
}
