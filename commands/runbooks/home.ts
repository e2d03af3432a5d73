import { channelLink, escapeMrkdwn, header, sections } from '../../src/core/blocks.js';
import type { HomeSection } from '../../src/core/home.js';
import type { RunbookRun } from '../../src/domain/runbooks/model.js';

/** The App Home section: runbook runs whose current step waits on this user. */
export function runbookHome(waitingOn: (userId: string) => Promise<Array<{ run: RunbookRun; step: string }>>): HomeSection {
  return {
    order: 35,
    async render(userId) {
      const runs = await waitingOn(userId);
      if (!runs.length) return [];
      const lines = runs.map(
        ({ run, step }) =>
          `*${run.id}* ${escapeMrkdwn(run.def.title)} — next: *${escapeMrkdwn(step)}* in ${channelLink(run.channel)}` +
          `${run.incident ? ` (${run.incident})` : ''}`,
      );
      return [header('Runbook runs waiting on you'), ...sections(lines)];
    },
  };
}
