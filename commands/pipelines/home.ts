import { context, escapeMrkdwn, md, mention, type Block } from '../../src/core/blocks.js';
import type { HomeSection } from '../../src/core/home.js';
import type { ManualLocks } from '../../src/domain/pipelines/manual-lock.js';

export const HOME_ORDER = 30;
const MAX_SHOWN = 15;

/** The App Home section: every manual lock in place (who, since when, why), so nobody deploys into one unaware. */
export function manualLocksHome(locks: ManualLocks): HomeSection {
  return {
    order: HOME_ORDER,
    async render() {
      const all = await locks.list();
      if (!all.length) return [];
      const blocks: Block[] = [md(`:lock: *Locked for deploys* (${all.length})`)];
      for (const l of all.slice(0, MAX_SHOWN)) {
        const since = new Date(l.at).toISOString().slice(0, 16).replace('T', ' ');
        blocks.push(md(`*${l.service}/${l.env}* · ${mention(l.by)} since ${since} UTC\n> ${escapeMrkdwn(l.reason)}`));
      }
      if (all.length > MAX_SHOWN) blocks.push(context(`…and ${all.length - MAX_SHOWN} more.`));
      blocks.push(context('`/pipeline unlock <service> <env>` releases one (its owner, or an admin with `--force "reason"`).'));
      return blocks;
    },
  };
}
