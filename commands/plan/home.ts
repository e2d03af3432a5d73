import { actions, context, escapeMrkdwn, md, type Block, type ButtonSpec } from '../../src/core/blocks.js';
import type { HomeSection } from '../../src/core/home.js';
import type { Clock } from '../../src/core/ports/runtime.js';
import type { PlanConfig } from '../../src/domain/plan/config.js';
import { MOVE, type MoveTarget } from './actions.js';
import { iterationLine } from './render.js';
import type { PlanItem, PlanState } from '../../src/domain/plan/model.js';
import type { PlanService } from '../../src/domain/plan/service.js';

/** Board columns, in the order a person works them, and the moves offered from each. */
const COLUMNS: Array<{
  state: PlanState;
  title: string;
  moves: Array<{ to: MoveTarget; text: string; style?: 'primary' }>;
}> = [
  {
    state: 'doing',
    title: 'Doing',
    moves: [
      { to: 'done', text: 'Done', style: 'primary' },
      { to: 'next', text: 'Back to next' },
    ],
  },
  {
    state: 'next',
    title: 'Next',
    moves: [
      { to: 'doing', text: 'Start', style: 'primary' },
      { to: 'backlog', text: 'To backlog' },
    ],
  },
  {
    state: 'backlog',
    title: 'Backlog',
    moves: [
      { to: 'next', text: 'Plan next' },
      { to: 'doing', text: 'Start' },
    ],
  },
  { state: 'done', title: 'Done', moves: [{ to: 'doing', text: 'Reopen' }] },
];

export const HOME_ORDER = 40;

/**
 * The App Home board: the current iteration's items of this user by state (their backlog too, so
 * work can be pulled in), each with buttons that move it.
 */
export function planHomeSection(plan: PlanService, cfg: PlanConfig, clock: Clock): HomeSection {
  return {
    order: HOME_ORDER,
    async render(userId) {
      const current = await plan.iterations.current();
      const mine = await plan.list({ owner: userId });
      const onBoard = (i: PlanItem) => (i.state === 'backlog' ? true : i.state !== 'dropped' && i.iteration === current.id);
      const items = mine.filter(onBoard).sort((a, b) => b.seq - a.seq);
      const blocks: Block[] = [md(`:clipboard: *Your plan* · ${iterationLine(current, clock.now())}`)];
      if (!items.length) {
        blocks.push(
          context(
            'Nothing assigned to you in this iteration. Add work with `/plan add "title"` or take an item with `/plan assign <id> @you`.',
          ),
        );
        return blocks;
      }
      for (const col of COLUMNS) {
        const inCol = items.filter((i) => i.state === col.state);
        if (!inCol.length) continue;
        blocks.push(md(`*${col.title}* (${inCol.length})`));
        for (const item of inCol.slice(0, cfg.homeItemsPerState)) {
          blocks.push(
            md(
              `*${item.id}* ${escapeMrkdwn(item.title)}${item.service ? ` · \`${escapeMrkdwn(item.service)}\`` : ''}` +
                `${item.shipped ? ` · :rocket: \`${escapeMrkdwn(item.shipped.runId)}\`` : ''}`,
            ),
          );
          const buttons: ButtonSpec[] = col.moves.map((m) =>
            MOVE[m.to].button({ text: m.text, value: item.id, ...(m.style ? { style: m.style } : {}) }),
          );
          blocks.push(actions(buttons, `plan-${item.id}`));
        }
        if (inCol.length > cfg.homeItemsPerState)
          blocks.push(context(`…and ${inCol.length - cfg.homeItemsPerState} more: \`/plan list --mine --state ${col.state}\``));
      }
      return blocks;
    },
  };
}
