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

export class AuditLog {
  constructor(
    private readonly store: Store,
    private readonly clock: { now(): number } = { now: () => Date.now() },
  ) {}

  private get streamKey(): string {
    return this.store.key('audit');
  }

  async record(entry: Omit<AuditEntry, 'at'> & { at?: number }): Promise<void> {
    const full: AuditEntry = { ...entry, at: entry.at ?? this.clock.now() };
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
