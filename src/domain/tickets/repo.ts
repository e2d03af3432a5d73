import type { Store } from '../../core/ports/store.js';
import type { TicketRef } from './ports.js';

/** Which ticket belongs to which incident (both ways), and the follow-up issues filed. Ids and URLs only. */
export class TicketRepo {
  constructor(private readonly store: Store) {}

  private k(...parts: string[]): string {
    return this.store.key('tickets', ...parts);
  }

  ticketOf(incidentId: string): Promise<TicketRef | null> {
    return this.store.getJson<TicketRef>(this.k('incident', incidentId));
  }

  /** Records the ticket unless one is already recorded; returns the one that stands. */
  async recordTicket(incidentId: string, t: TicketRef): Promise<TicketRef> {
    const first = await this.store.setJson(this.k('incident', incidentId), t, { onlyIfAbsent: true });
    if (first) await this.store.setJson(this.k('by-key', t.key.toUpperCase()), incidentId);
    return first ? t : ((await this.ticketOf(incidentId)) ?? t);
  }

  incidentOf(ticketKey: string): Promise<string | null> {
    return this.store.getJson<string>(this.k('by-key', ticketKey.toUpperCase()));
  }

  /** The incident should get a ticket (its open job was queued): updates wait for it rather than skip. */
  async markWanted(incidentId: string): Promise<void> {
    await this.store.setJson(this.k('wanted', incidentId), true);
  }

  wanted(incidentId: string): Promise<boolean> {
    return this.store.exists(this.k('wanted', incidentId));
  }

  /** Returns true the first time a step is marked for this key (bookmark added, failure shown). */
  async once(step: string, key: string): Promise<boolean> {
    return (await this.store.setAdd(this.k('done', step), key)) > 0;
  }

  followUpIssue(incidentId: string, hash: string): Promise<{ key: string; url: string } | null> {
    return this.store.getJson(this.k('follow-up', incidentId, hash));
  }

  async recordFollowUpIssue(incidentId: string, hash: string, issue: { key: string; url: string }): Promise<void> {
    await this.store.setJson(this.k('follow-up', incidentId, hash), issue);
  }
}
