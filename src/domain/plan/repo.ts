import { ABORT, type Store } from '../../core/ports/store.js';
import type { Iteration, LinkType, PlanItem } from './model.js';

/** A resolved incident as the plan saw it (from `incident.resolved`), for iteration summaries. */
export interface SeenIncident {
  id: string;
  severity?: string;
  services: string[];
  resolvedAt: number;
}

/** What the shortcut's modal needs at submission; kept in Redis so private_metadata stays small. */
export interface MessageDraft {
  channel: string;
  ts: string;
  author?: string;
  text: string;
}

/** A close a person typed: a bare close repeated soon after it is refused as a double close. */
export interface LastClose {
  closed: string;
  next: string;
  at: number;
  actor: string;
}

const DRAFT_TTL_MS = 24 * 3_600_000;

/**
 * Redis layout of the plan (all under the deployment prefix):
 *   plan:seq, plan:item:<id>, plan:items (zset by number), plan:linked:<type>:<ref> (set of ids),
 *   plan:source:<key> (id created for that source), plan:iteration-seq, plan:iteration:<id>,
 *   plan:iterations (zset by number), plan:current (id), plan:draft:<id>, plan:incidents (zset),
 *   plan:last-close (the last close typed by a person: which iteration it closed into, when).
 */
export class PlanRepo {
  constructor(private readonly store: Store) {}

  private k(...parts: string[]): string {
    return this.store.key('plan', ...parts);
  }

  async nextItemSeq(): Promise<number> {
    return this.store.incr(this.k('seq'));
  }

  getItem(id: string): Promise<PlanItem | null> {
    return this.store.getJson<PlanItem>(this.k('item', id));
  }

  /** Writes a new item; false when the id is taken (a retried create). */
  async insertItem(item: PlanItem): Promise<boolean> {
    const fresh = await this.store.setJson(this.k('item', item.id), item, { onlyIfAbsent: true });
    await this.store.zAdd(this.k('items'), item.seq, item.id);
    for (const l of item.links) await this.indexLink(l.type, l.ref, item.id);
    return fresh;
  }

  /** Atomic change of one item; `fn` returns null to leave it as it is. Returns the item after. */
  async updateItem(id: string, fn: (item: PlanItem) => PlanItem | null): Promise<{ item: PlanItem | null; changed: boolean }> {
    let changed = false;
    const item = await this.store.update<PlanItem>(this.k('item', id), (cur) => {
      changed = false;
      if (!cur) return ABORT;
      const next = fn(cur);
      if (!next) return ABORT;
      changed = true;
      return next;
    });
    return { item, changed };
  }

  async allItems(): Promise<PlanItem[]> {
    const ids = await this.store.zRange(this.k('items'));
    const items = await this.store.getManyJson<PlanItem>(ids.map((e) => this.k('item', e.member)));
    return items.filter((i): i is PlanItem => i !== null);
  }

  /** Newest first. */
  async recentItemIds(limit: number): Promise<string[]> {
    return (await this.store.zRange(this.k('items'), { rev: true, limit })).map((e) => e.member);
  }

  async indexLink(type: LinkType, ref: string, id: string): Promise<void> {
    if (type === 'run' || type === 'incident' || type === 'finding') await this.store.setAdd(this.k('linked', type, ref), id);
  }

  linkedItemIds(type: LinkType, ref: string): Promise<string[]> {
    return this.store.setMembers(this.k('linked', type, ref));
  }

  sourceItemId(sourceKey: string): Promise<string | null> {
    return this.store.getJson<string>(this.k('source', sourceKey));
  }

  /** First caller wins the source key; returns the id it is bound to. */
  async claimSource(sourceKey: string, id: string): Promise<string> {
    if (await this.store.setJson(this.k('source', sourceKey), id, { onlyIfAbsent: true })) return id;
    return (await this.sourceItemId(sourceKey)) ?? id;
  }

  // ------------------------------------------------------------ iterations
  async nextIterationSeq(): Promise<number> {
    return this.store.incr(this.k('iteration-seq'));
  }

  getIteration(id: string): Promise<Iteration | null> {
    return this.store.getJson<Iteration>(this.k('iteration', id));
  }

  async putIteration(it: Iteration): Promise<void> {
    await this.store.setJson(this.k('iteration', it.id), it);
    await this.store.zAdd(this.k('iterations'), it.seq, it.id);
  }

  /** Writes a new iteration unless it exists (a retried close). */
  async insertIteration(it: Iteration): Promise<void> {
    await this.store.setJson(this.k('iteration', it.id), it, { onlyIfAbsent: true });
    await this.store.zAdd(this.k('iterations'), it.seq, it.id);
  }

  /** Atomic change of one iteration; `fn` returns null to leave it. Returns the iteration changed, or null. */
  async updateIteration(id: string, fn: (it: Iteration) => Iteration | null): Promise<Iteration | null> {
    let changed = false;
    const after = await this.store.update<Iteration>(this.k('iteration', id), (cur) => {
      const next = cur ? fn(cur) : null;
      changed = next !== null;
      return next ?? ABORT;
    });
    return changed ? after : null;
  }

  async removeIteration(id: string): Promise<void> {
    await this.store.del(this.k('iteration', id));
    await this.store.zRemove(this.k('iterations'), id);
  }

  /** Newest first. */
  async iterations(limit = 50): Promise<Iteration[]> {
    const ids = await this.store.zRange(this.k('iterations'), { rev: true, limit });
    const its = await this.store.getManyJson<Iteration>(ids.map((e) => this.k('iteration', e.member)));
    return its.filter((i): i is Iteration => i !== null);
  }

  currentIterationId(): Promise<string | null> {
    return this.store.getJson<string>(this.k('current'));
  }

  /** Sets the first current iteration; false when another process set one first. */
  initCurrent(id: string): Promise<boolean> {
    return this.store.setJson(this.k('current'), id, { onlyIfAbsent: true });
  }

  /** Moves the pointer from `from` to `to` atomically; false when `from` is no longer current. */
  async swapCurrent(from: string, to: string): Promise<boolean> {
    const after = await this.store.update<string>(this.k('current'), (cur) => (cur === from ? to : ABORT));
    return after === to;
  }

  // ------------------------------------------------------------ shortcut drafts, incidents seen
  lastClose(): Promise<LastClose | null> {
    return this.store.getJson<LastClose>(this.k('last-close'));
  }

  async setLastClose(c: LastClose): Promise<void> {
    await this.store.setJson(this.k('last-close'), c);
  }

  async putDraft(id: string, draft: MessageDraft): Promise<void> {
    await this.store.setJson(this.k('draft', id), draft, { ttlMs: DRAFT_TTL_MS });
  }

  getDraft(id: string): Promise<MessageDraft | null> {
    return this.store.getJson<MessageDraft>(this.k('draft', id));
  }

  async recordIncident(inc: SeenIncident): Promise<void> {
    await this.store.setJson(this.k('incident', inc.id), inc);
    await this.store.zAdd(this.k('incidents'), inc.resolvedAt, inc.id);
  }

  async incidentsResolvedBetween(from: number, to: number): Promise<SeenIncident[]> {
    const ids = await this.store.zRange(this.k('incidents'), { min: from, max: to });
    const seen = await this.store.getManyJson<SeenIncident>(ids.map((e) => this.k('incident', e.member)));
    return seen.filter((s): s is SeenIncident => s !== null);
  }
}
