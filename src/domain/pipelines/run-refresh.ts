import { isTerminal, type RunDoc } from './model.js';

/** How often one run's message is re-rendered at most; Slack shows a channel's edits about once a second anyway. */
export const REFRESH_INTERVAL_MS = 500;
/** How long a run's final state is remembered, so that a late refresh of an older state is ignored. */
const FINAL_KEPT_MS = 60_000;

interface Pending {
  /** The state to send at the end of the interval (null: nothing waits). */
  latest: RunDoc | null;
  timer: NodeJS.Timeout | undefined;
  /** Until when a refresh just sent holds the next ones back (performance.now()). */
  quietUntil: number;
  /** Set once the run's final state was handed over: nothing older replaces it. */
  final: boolean;
  /** Sends of one run go out one after another; a send overtaken by a newer one is skipped. */
  chain: Promise<void>;
  seq: number;
}

/**
 * Coalesces refreshes of a run's message (each one an outbox edit, a dozen Redis commands and a
 * Slack call): the first change is sent at once, the changes that follow within the interval are
 * sent once, as the latest state, when it ends. The final state is never dropped: a terminal run
 * is sent at once (`now`), and once sent, an older non-terminal state that arrives late cannot
 * replace it. A pending refresh lives in this process only: if it dies first, the run's next change
 * (or the watchdog taking its stage over) renders the message again.
 */
export class RunRefresher {
  private readonly runs = new Map<string, Pending>();

  constructor(
    private readonly send: (doc: RunDoc) => Promise<void>,
    private readonly intervalMs = REFRESH_INTERVAL_MS,
  ) {}

  /** Sends now when the run's message was not refreshed within the interval, else once at its end. */
  async refresh(doc: RunDoc): Promise<void> {
    if (isTerminal(doc)) return this.now(doc);
    const p = this.entry(doc.id);
    if (p.final) return;
    p.latest = doc;
    if (p.timer) return;
    const wait = p.quietUntil - performance.now();
    if (wait <= 0) return this.flush(doc.id, p);
    p.timer = setTimeout(() => void this.flush(doc.id, p), wait);
    p.timer.unref();
  }

  /** Sends this state at once (after a send of the run under way); what was pending is replaced by it. */
  async now(doc: RunDoc): Promise<void> {
    const p = this.entry(doc.id);
    if (p.final && !isTerminal(doc)) return;
    p.latest = doc;
    return this.flush(doc.id, p);
  }

  /** Sends every pending refresh now (a stopping process). */
  async flushAll(): Promise<void> {
    await Promise.all([...this.runs.entries()].map(([id, p]) => this.flush(id, p)));
  }

  /** Runs whose message has a refresh pending or was refreshed within the interval (tests, metrics). */
  tracked(): number {
    return this.runs.size;
  }

  private entry(runId: string): Pending {
    let p = this.runs.get(runId);
    if (!p) {
      p = { latest: null, timer: undefined, quietUntil: 0, final: false, chain: Promise.resolve(), seq: 0 };
      this.runs.set(runId, p);
    }
    return p;
  }

  private flush(runId: string, p: Pending): Promise<void> {
    clearTimeout(p.timer);
    p.timer = undefined;
    const doc = p.latest;
    if (!doc) return p.chain;
    p.latest = null;
    if (isTerminal(doc)) p.final = true;
    p.quietUntil = performance.now() + this.intervalMs;
    const mine = ++p.seq;
    p.chain = p.chain
      .then(() => (mine === p.seq ? this.send(doc) : undefined))
      .catch(() => undefined)
      .finally(() => {
        if (mine !== p.seq) return;
        // Forgotten once quiet: after the interval, or (the final state) after a late straggler's window.
        const forget = setTimeout(
          () => {
            if (this.runs.get(runId) === p && !p.timer && !p.latest && mine === p.seq) this.runs.delete(runId);
          },
          p.final ? FINAL_KEPT_MS : this.intervalMs,
        );
        forget.unref();
      });
    return p.chain;
  }
}
