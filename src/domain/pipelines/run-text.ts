import { escapeUntrusted } from '../../core/outbound.js';

/**
 * Plain mrkdwn pieces the domain writes into a run's thread lines itself (a stage's note, a
 * watchdog takeover); the run message and every Block Kit shape are the surface's
 * (commands/pipelines/render.ts, through the RunPresenter port).
 */

/**
 * Summaries and reasons as mrkdwn: nothing in them can ping a channel or forge a link; the bot's
 * own mentions (`cancelled by @bob`, built with mention()) stay mentions, and text a stage kind
 * already escaped (an approver's reason) is not escaped twice.
 */
export const safeMrkdwn = escapeUntrusted;

/** The tail of a stage's log as a code block (``` inside would close it early). */
export function logBlock(lines: string[]): string {
  const text = lines.join('\n').replace(/```/g, "'''");
  return text ? `\`\`\`${text.slice(-2500)}\`\`\`` : '_(no output)_';
}
