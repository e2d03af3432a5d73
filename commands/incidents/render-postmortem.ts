import { md, mdMessage, type MessageContent } from '../../src/core/blocks.js';
import type { CommandContext } from '../../src/core/commands/spec.js';
import type { IncidentDeps } from '../../src/domain/incidents/deps.js';

/**
 * Splits Markdown into Slack-sized pieces on line boundaries, so `pieces.join('\n')` is the text
 * again; a line longer than a piece is split (never cut).
 */
export function chunks(text: string, max = 2800): string[] {
  const out: string[] = [];
  let cur: string[] = [];
  let len = 0;
  for (const whole of text.split('\n')) {
    const pieces =
      whole.length > max ? Array.from({ length: Math.ceil(whole.length / max) }, (_, i) => whole.slice(i * max, (i + 1) * max)) : [whole];
    for (const line of pieces) {
      if (cur.length && len + 1 + line.length > max) {
        out.push(cur.join('\n'));
        cur = [];
        len = 0;
      }
      len += (cur.length ? 1 : 0) + line.length;
      cur.push(line);
    }
  }
  if (cur.length) out.push(cur.join('\n'));
  return out;
}

/** Code-block sections per message: Slack takes 50 blocks, a heading takes one. */
const PARTS_PER_MESSAGE = 40;

/**
 * The whole draft as Slack messages: every piece in its own code-block section, 40 to a message,
 * as many messages as it takes, so nothing is cut.
 */
export function postmortemMessages(id: string, markdown: string): MessageContent[] {
  const parts = chunks(markdown);
  const total = Math.max(1, Math.ceil(parts.length / PARTS_PER_MESSAGE));
  const first = markdown.split('\n', 1)[0] ?? '';
  const out: MessageContent[] = [];
  for (let n = 1; n <= total; n++) {
    const slice = parts.slice((n - 1) * PARTS_PER_MESSAGE, n * PARTS_PER_MESSAGE);
    const of = total > 1 ? ` (part ${n} of ${total})` : '';
    out.push({
      text: `Postmortem draft for ${id}${of}: ${first}`.slice(0, 300),
      blocks: [md(`:memo: *Postmortem draft for ${id}*${of}`), ...slice.map((p) => md(`\`\`\`\n${p}\n\`\`\``))],
    });
  }
  return out;
}

/** Slack takes five answers through one command's response_url. */
const MAX_ANSWERS = 5;

/**
 * `/incident show <id> --postmortem`: the whole draft, in order. Up to five messages are answers
 * (all but the last through `respond()`, the last returned, so they arrive in sequence); a longer
 * draft goes to the asker by direct message, where there is no such limit.
 */
export async function showPostmortem(
  d: IncidentDeps,
  id: string,
  markdown: string,
  ctx: Pick<CommandContext, 'actor' | 'requestId' | 'respond'>,
): Promise<MessageContent> {
  const messages = postmortemMessages(id, markdown);
  if (messages.length <= MAX_ANSWERS) {
    for (const m of messages.slice(0, -1)) await ctx.respond(m);
    return messages[messages.length - 1]!;
  }
  for (const [i, m] of messages.entries())
    await d.ctx.chat.post({ channel: ctx.actor.userId, key: `inc-${id}-pm-${ctx.requestId}-${i}`, ...m });
  return mdMessage(`${id}'s postmortem draft takes ${messages.length} messages: sent to you by direct message.`);
}
