import { ABORT, type Store } from '../../core/ports/store.js';
import { isOpen, type Incident, type TimelineEntry } from './model.js';

const TIMELINE_MAX = 5000;
const DEDUPE_TTL_MS = 90 * 24 * 3600_000;
const LOCK_MS = 10_000;

/**
 * Incident state in Redis: one JSON document per incident, a timeline list, indexes (all by
 * declaration time, open ones, channel -> incident) and dedupe keys mapping an outside key
 * (Alertmanager group, help desk ticket, Slack trigger) to the incident it opened.
 */
export class IncidentRepo {
  constructor(private readonly store: Store) {}

  private k(...parts: string[]): string {
    return this.store.key('incident', ...parts);
  }

  async nextNumber(): Promise<number> {
    return this.store.incr(this.k('seq'));
  }

  get(id: string): Promise<Incident | null> {
    return this.store.getJson<Incident>(this.k('doc', id));
  }

  async getMany(ids: string[]): Promise<Incident[]> {
    if (!ids.length) return [];
    const docs = await this.store.getManyJson<Incident>(ids.map((id) => this.k('doc', id)));
    return docs.filter((d): d is Incident => d !== null);
  }

  async create(inc: Incident): Promise<void> {
    await this.store.setJson(this.k('doc', inc.id), inc);
    await this.store.zAdd(this.k('index'), inc.declaredAt, inc.id);
    await this.store.setAdd(this.k('open'), inc.id);
  }

  /** Atomic change; `fn` returns null to leave the document untouched. Bumps `version`. */
  async update(id: string, fn: (cur: Incident) => Incident | null): Promise<{ before: Incident; after: Incident } | null> {
    let before: Incident | null = null;
    let changed = false;
    const after = await this.store.update<Incident>(this.k('doc', id), (cur) => {
      if (!cur) return ABORT;
      before = cur;
      const next = fn(cur);
      changed = next !== null;
      return next ? { ...next, version: cur.version + 1 } : ABORT;
    });
    if (!after || !before || !changed) return null;
    if (!isOpen(after)) await this.store.setRemove(this.k('open'), id);
    if (after.channel) await this.store.setJson(this.k('by-channel', after.channel), after.id);
    return { before, after };
  }

  async openIds(): Promise<string[]> {
    return this.store.setMembers(this.k('open'));
  }

  /** Newest first. */
  async recentIds(opts: { sinceMs?: number; limit?: number } = {}): Promise<string[]> {
    const rows = await this.store.zRange(this.k('index'), {
      rev: true,
      ...(opts.sinceMs !== undefined ? { min: opts.sinceMs } : {}),
      ...(opts.limit ? { limit: opts.limit } : {}),
    });
    return rows.map((r) => r.member);
  }

  byChannel(channel: string): Promise<string | null> {
    return this.store.getJson<string>(this.k('by-channel', channel));
  }

  async addTimeline(id: string, entry: TimelineEntry): Promise<void> {
    await this.store.listPush(this.k('timeline', id), [JSON.stringify(entry)], TIMELINE_MAX);
  }

  /** Adds the entry once per `onceKey` (redeliveries of one alert, one reaction, one run event). */
  async addTimelineOnce(id: string, onceKey: string, entry: TimelineEntry): Promise<boolean> {
    if (!(await this.store.setAdd(this.k('seen', id), onceKey))) return false;
    await this.addTimeline(id, entry);
    return true;
  }

  /** In order of time (entries are appended as they happen; sorted for safety). */
  async timeline(id: string): Promise<TimelineEntry[]> {
    const raw = await this.store.listRange(this.k('timeline', id), 0, -1);
    return raw.map((r) => JSON.parse(r) as TimelineEntry).sort((a, b) => a.at - b.at);
  }

  dedupeTarget(source: string, key: string): Promise<string | null> {
    return this.store.getJson<string>(this.k('dedupe', source, key));
  }

  async setDedupe(source: string, key: string, id: string): Promise<void> {
    await this.store.setJson(this.k('dedupe', source, key), id, { ttlMs: DEDUPE_TTL_MS });
  }

  /**
   * Runs `create` once per outside key even when deliveries race: the first caller holds a short
   * lock and records the incident it made; the others wait for that record and get the same id.
   */
  async once(source: string, key: string, create: () => Promise<string>): Promise<{ id: string; created: boolean }> {
    for (let waited = 0; waited < LOCK_MS; waited += 50) {
      const existing = await this.dedupeTarget(source, key);
      if (existing) return { id: existing, created: false };
      const owner = `${Date.now()}-${Math.random()}`;
      if (await this.store.claim(this.k('lock', source, key), LOCK_MS, owner)) {
        try {
          const again = await this.dedupeTarget(source, key);
          if (again) return { id: again, created: false };
          const id = await create();
          await this.setDedupe(source, key, id);
          return { id, created: true };
        } finally {
          await this.store.release(this.k('lock', source, key), owner);
        }
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`incident dedupe lock for ${source} stayed taken`);
  }

  savePostmortem(id: string, markdown: string): Promise<boolean> {
    return this.store.setJson(this.k('postmortem', id), markdown);
  }

  postmortem(id: string): Promise<string | null> {
    return this.store.getJson<string>(this.k('postmortem', id));
  }
}
