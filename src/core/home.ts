import { createHash } from 'node:crypto';
import { type Block, divider, header, md, mention } from './blocks.js';
import type { ChatViews } from './ports/chat.js';
import type { Logger } from './ports/runtime.js';
import type { Store } from './ports/store.js';

/** A section of a user's App Home tab (pending approvals, plan board, ...). */
export interface HomeSection {
  order: number;
  render(userId: string): Promise<Block[]>;
}

/**
 * How long the fingerprint of a published Home is trusted. Past it the next refresh publishes
 * again, which bounds how long a lost race between two processes can hide a change.
 */
const PUBLISHED_TTL_MS = 24 * 3_600_000;

/** One user's refresh in this process: the pass running now, and whether another was asked for. */
interface Flight {
  done: Promise<void>;
  dirty: boolean;
  /** The next pass publishes even unchanged blocks (Slack has no Home to show for this user). */
  force: boolean;
}

/** What is remembered of a published Home: a hash of its blocks. */
export const homeFingerprint = (blocks: Block[]): string => createHash('sha256').update(JSON.stringify(blocks)).digest('base64url');

/**
 * The App Home tab: each module contributes sections (pending approvals, the plan board); the
 * tab is re-rendered when a user opens it and whenever a module changes what it shows them.
 *
 * `views.publish` is budgeted (a 2-of-20 gate used to publish 63 times), so a refresh publishes
 * only when the rendered blocks differ from the last ones published for that user (their hash is
 * kept in the store, shared by every process), and refreshes of one user asked for while one is
 * running coalesce into a single further pass.
 */
export class HomeService {
  private sections: HomeSection[] = [];
  private readonly flights = new Map<string, Flight>();

  constructor(
    private readonly chat: Pick<ChatViews, 'publishHome'>,
    private readonly log: Logger,
    private readonly store?: Pick<Store, 'key' | 'getJson' | 'setJson'>,
    private readonly publishedTtlMs = PUBLISHED_TTL_MS,
  ) {}

  register(sections: HomeSection[]): void {
    this.sections = [...this.sections, ...sections].sort((a, b) => a.order - b.order);
  }

  async render(userId: string): Promise<Block[]> {
    const blocks: Block[] = [header('Switchyard'), md(`Hello ${mention(userId)}. This tab shows what waits for you.`)];
    for (const s of this.sections) {
      try {
        const part = await s.render(userId);
        if (part.length) blocks.push(divider(), ...part);
      } catch (err) {
        this.log.error({ err: (err as Error).message }, 'home section failed');
        blocks.push(divider(), md(':warning: One section could not be loaded.'));
      }
    }
    return blocks.slice(0, 100);
  }

  /**
   * Brings the user's Home up to date. While a pass runs for this user, further calls only mark
   * it dirty and share one follow-up pass, so a burst of N changes costs at most two renders.
   * `force` publishes even when the fingerprint matches: a user opening a Home tab Slack holds
   * nothing for (its event carries no view) must see it, whatever the store remembers.
   */
  refresh(userId: string, opts: { force?: boolean } = {}): Promise<void> {
    const running = this.flights.get(userId);
    if (running) {
      running.dirty = true;
      running.force ||= opts.force === true;
      return running.done;
    }
    const flight: Flight = { done: Promise.resolve(), dirty: true, force: opts.force === true };
    this.flights.set(userId, flight);
    flight.done = (async () => {
      let failure: unknown;
      try {
        while (flight.dirty) {
          const force = flight.force;
          flight.dirty = false;
          flight.force = false;
          try {
            await this.publishIfChanged(userId, force);
            failure = undefined;
          } catch (err) {
            failure = err;
          }
        }
      } finally {
        this.flights.delete(userId);
      }
      if (failure) throw failure;
    })();
    return flight.done;
  }

  private async publishIfChanged(userId: string, force: boolean): Promise<void> {
    const blocks = await this.render(userId);
    const hash = homeFingerprint(blocks);
    const key = this.store?.key('home', 'published', userId);
    // Unreadable fingerprint: publish anyway (a Home must not go stale because Redis hiccupped).
    const last = key && !force ? await this.store!.getJson<string>(key).catch(() => null) : null;
    if (last === hash) return;
    await this.chat.publishHome(userId, blocks);
    if (key) await this.store!.setJson(key, hash, { ttlMs: this.publishedTtlMs });
  }
}
