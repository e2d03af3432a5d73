import type { Store } from './ports/store.js';
import { toPlainText } from './outbound.js';

/**
 * The audit trail: every action a person takes through the bot, appended to a Redis stream.
 * Entries name keys, ids and outcomes; secret values never reach them (callers pass none, and
 * `detail` is clipped).
 */
export type AuditOutcome = 'ok' | 'refused' | 'usage' | 'not_found' | 'conflict' | 'error';

export interface AuditEntry {
  at: number;
  actor: string;
  action: string;
  outcome: AuditOutcome;
  channel?: string;
  target?: string;
  detail?: string;
  /** For a refusal: the rule or role that refused (`role:incident-commander`). */
  rule?: string;
  requestId?: string;
}

const MAX_ENTRIES = 1_000_000;
/** Entries kept in memory while the store is away; older ones beyond this are counted, not kept. */
const MAX_PENDING = 1000;

export class AuditLog {
  /** Entries written while the store was unavailable, appended when it is back (lost if the process dies first). */
  private pending: AuditEntry[] = [];
  private dropped = 0;
  private flushing = false;

  constructor(
    private readonly store: Store,
    private readonly clock: { now(): number } = { now: () => Date.now() },
  ) {
    store.health?.().onAvailable(() => void this.flushPending());
  }

  private get streamKey(): string {
    return this.store.key('audit');
  }

  /**
   * Appends one entry. A failed append waits in memory and is appended when the store is back,
   * then the error is passed on. With `whenStoreIsBack` (a request refused because the store is
   * away) the entry waits in memory at once while the store is unavailable, without a round trip.
   */
  async record(entry: Omit<AuditEntry, 'at'> & { at?: number }, opts: { whenStoreIsBack?: boolean } = {}): Promise<void> {
    const full: AuditEntry = { ...entry, at: entry.at ?? this.clock.now() };
    if (opts.whenStoreIsBack && this.store.health?.().available() === false) return this.keep(full);
    try {
      await this.append(full);
    } catch (err) {
      this.keep(full);
      throw err;
    }
  }

  /** Appends what waited in memory, oldest first; stops (keeping the rest) at the first failure. */
  async flushPending(): Promise<void> {
    if (this.flushing || (!this.pending.length && !this.dropped)) return;
    this.flushing = true;
    try {
      if (this.dropped) {
        const detail = `${this.dropped} audit entries were dropped while storage was unavailable (memory bound ${MAX_PENDING})`;
        await this.append({ at: this.clock.now(), actor: 'switchyard', action: 'audit.dropped', outcome: 'error', detail });
        this.dropped = 0;
      }
      while (this.pending.length) {
        await this.append(this.pending[0]!);
        this.pending.shift();
      }
    } catch {
      // Still away: the next reconnect flushes the rest.
    } finally {
      this.flushing = false;
    }
  }

  private keep(entry: AuditEntry): void {
    this.pending.push(entry);
    if (this.pending.length > MAX_PENDING) {
      this.pending.shift();
      this.dropped++;
    }
  }

  private async append(full: AuditEntry): Promise<void> {
    const fields: Record<string, string> = {};
    for (const [k, v] of Object.entries(full)) {
      // The audit trail is plain text (exported, read by people): no outbound markers in it.
      if (v !== undefined) fields[k] = k === 'detail' ? toPlainText(String(v)).slice(0, 500) : toPlainText(String(v));
    }
    await this.store.streamAdd(this.streamKey, fields, MAX_ENTRIES);
  }

  /**
   * Age retention (AUDIT_RETENTION_DAYS): removes the entries appended before `cutoffMs`, by their
   * stream id (the time Redis appended them), so a trim never depends on what an entry says. The
   * count cap above still bounds the stream between trims.
   */
  trimBefore(cutoffMs: number): Promise<number> {
    return this.store.streamTrimBefore(this.streamKey, cutoffMs);
  }

  /** Newest first unless `oldestFirst`. */
  async query(
    opts: { sinceMs?: number; untilMs?: number; limit?: number; actor?: string; action?: string; oldestFirst?: boolean } = {},
  ): Promise<AuditEntry[]> {
    const limit = opts.limit ?? 50;
    const filtering = Boolean(opts.actor || opts.action);
    const raw = await this.store.streamRange(this.streamKey, {
      fromMs: opts.sinceMs,
      toMs: opts.untilMs,
      rev: !opts.oldestFirst,
      count: filtering ? Math.max(limit * 20, 1000) : limit,
    });
    const out: AuditEntry[] = [];
    for (const e of raw) {
      const entry = toEntry(e.fields);
      if (opts.actor && entry.actor !== opts.actor) continue;
      if (opts.action && !entry.action.startsWith(opts.action)) continue;
      out.push(entry);
      if (out.length >= limit) break;
    }
    return out;
  }
}

function toEntry(f: Record<string, string>): AuditEntry {
  return {
    at: Number(f.at ?? 0),
    actor: f.actor ?? '?',
    action: f.action ?? '?',
    outcome: (f.outcome ?? 'ok') as AuditOutcome,
    ...(f.channel ? { channel: f.channel } : {}),
    ...(f.target ? { target: f.target } : {}),
    ...(f.detail ? { detail: f.detail } : {}),
    ...(f.rule ? { rule: f.rule } : {}),
    ...(f.requestId ? { requestId: f.requestId } : {}),
  };
}
