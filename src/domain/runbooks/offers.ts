import type { ChatMessages } from '../../core/ports/chat.js';
import type { IncidentDeclaredEvent } from '../contracts.js';
import type { Services } from '../services.js';
import type { RunbookPresenter } from './presenter.js';
import type { LoadedRunbook, RunbookDef } from './schema.js';

/** Runbooks that answer an incident: one of its services, an alert name or a keyword in its title. */
export function matchingRunbooks(all: readonly LoadedRunbook[], inc: { title: string; services: readonly string[] }): RunbookDef[] {
  const title = inc.title.toLowerCase();
  const words = new Set(title.split(/[^a-z0-9_-]+/).filter(Boolean));
  return all
    .map((r) => r.def)
    .filter(
      (d) =>
        d.services.some((s) => inc.services.includes(s)) ||
        d.alerts.some((a) => words.has(a.toLowerCase()) || title === a.toLowerCase()) ||
        d.keywords.some((k) => title.includes(k.toLowerCase())),
    );
}

/** The incident's channel is created by a job of its own: the delivery is retried until it exists. */
export class IncidentChannelNotReady extends Error {
  constructor(id: string) {
    super(`${id} has no channel yet; the offer is retried`);
  }
}

/**
 * On `incident.declared` (by a person, Alertmanager or the help desk): posts the matching
 * runbooks with a Run button into the incident's channel. Keyed per incident, so a redelivered
 * event posts once.
 */
export async function offerRunbooks(
  d: { services: Services; chat: Pick<ChatMessages, 'post'>; presenter: RunbookPresenter; runbooks: () => LoadedRunbook[] },
  e: IncidentDeclaredEvent,
): Promise<void> {
  const matches = matchingRunbooks(d.runbooks(), e);
  if (!matches.length) return;
  const inc = await d.services.get('incidents').get(e.incidentId);
  if (!inc) return;
  if (!inc.channel) throw new IncidentChannelNotReady(inc.id);
  await d.chat.post({ channel: inc.channel, key: `runbook-offer-${inc.id}`, ...d.presenter.offer(inc.id, matches) });
}
