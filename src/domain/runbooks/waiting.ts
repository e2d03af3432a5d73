import type { AccessControl } from '../../core/access.js';
import { authorizeRunbook } from './authorize.js';
import { currentStep, type RunbookRun } from './model.js';
import type { RunbookRunRepo } from './repo.js';

/** How many recent runs the App Home looks through. */
const RECENT_RUNS = 50;

/** Runs under way whose current step waits for a press that this user may give (App Home). */
export async function runsWaitingOn(
  d: { repo: Pick<RunbookRunRepo, 'recent'>; access: Pick<AccessControl, 'actor' | 'groupMembers'> },
  userId: string,
): Promise<Array<{ run: RunbookRun; step: string }>> {
  const actor = await d.access.actor(userId);
  const out: Array<{ run: RunbookRun; step: string }> = [];
  for (const run of await d.repo.recent(RECENT_RUNS)) {
    const cur = currentStep(run);
    if (run.status !== 'running' || cur?.state.status !== 'ready') continue;
    const allowed = await authorizeRunbook(d.access, run.def, actor, 'act').then(
      () => true,
      () => false,
    );
    if (allowed) out.push({ run, step: cur.def.title });
  }
  return out;
}
