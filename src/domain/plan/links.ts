import { UsageError } from '../../core/errors.js';
import type { RunInfo } from '../contracts.js';
import type { Services } from '../services.js';
import { clipWord, unwrapSlackLink, type LinkType } from './model.js';

export interface ResolvedLink {
  type: LinkType;
  ref: string;
  url?: string;
  /** Set when the reference is a pipeline run (so a finished production run can ship at once). */
  run?: RunInfo;
}

/**
 * Turns what a person typed after `/plan link <id>` into a link: a URL, or an id that the enabled
 * capabilities know (a pipeline run, an incident). Anything else is refused with what exists.
 */
export async function resolveLinkTarget(services: Services, typed: string): Promise<ResolvedLink> {
  const text = unwrapSlackLink(typed);
  if (/^https?:\/\/[^\s|<>]+$/i.test(text)) return { type: 'url', ref: text, url: text };
  // `|`, `<` and `>` would let the link's label or target be forged when it is shown as <url>.
  if (/^https?:\/\//i.test(text))
    throw new UsageError(`\`${clipWord(text)}\` is not a plain link: | < > and spaces are not allowed in it.`);
  if (/\s/.test(text) || !text) throw new UsageError(`\`${clipWord(text)}\` is not a run id, an incident id or a URL.`);

  const pipelines = services.maybe('pipelines');
  const incidents = services.maybe('incidents');
  const run = pipelines ? await pipelines.getRun(text).catch(() => null) : null;
  if (run) return { type: 'run', ref: run.id, run };
  const incident = incidents ? await incidents.get(text).catch(() => null) : null;
  if (incident) return { type: 'incident', ref: incident.id };

  const hints: string[] = [];
  if (pipelines) {
    const recent = await pipelines.recentRuns({ limit: 5 }).catch(() => []);
    hints.push(recent.length ? `Recent runs: ${recent.map((r) => `\`${r.id}\``).join(', ')}` : 'No recent pipeline runs.');
  }
  if (incidents) {
    const open = await incidents.openIncidents().catch(() => []);
    hints.push(
      open.length
        ? `Open incidents: ${open
            .slice(0, 10)
            .map((i) => `\`${i.id}\``)
            .join(', ')}`
        : 'No open incidents.',
    );
  }
  if (!pipelines && !incidents) hints.push('Pipelines and incidents are not enabled in this deployment: link a URL instead.');
  else hints.push('Or link a URL (https://…).');
  throw new UsageError(`\`${clipWord(text)}\` is not a known run id, incident id or a URL.`, hints);
}
