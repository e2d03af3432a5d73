import { mention } from '../../core/outbound.js';
import type { Services } from '../services.js';
import type { Incident } from './model.js';

/**
 * The incident channel's plain texts: the key of its pinned summary (the presenter renders the
 * summary itself), its topic and purpose, and the one time format of incident texts.
 */
export const summaryKey = (id: string): string => `inc-${id}-summary`;

/** The runbooks that answer an incident (none when the runbooks capability is not running). */
export function runbooksFor(services: Services, inc: Incident): Array<{ name: string; title: string }> {
  return services.maybe('runbooks')?.matching({ title: inc.title, services: inc.services }) ?? [];
}

export function fmtTime(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').slice(0, 16) + ' UTC';
}

export function topicOf(inc: Incident): string {
  const ic = inc.roles.commander ? `IC ${mention(inc.roles.commander)}` : 'IC unassigned';
  return `${inc.severity} | ${inc.status} | ${ic} | ${inc.id} ${inc.title}`;
}

export function purposeOf(inc: Incident): string {
  return (
    `Incident ${inc.id}: ${inc.title} (${inc.services.join(', ') || 'no service'}). ` +
    `Declared ${fmtTime(inc.declaredAt)} by ${inc.declaredBy}.`
  );
}
