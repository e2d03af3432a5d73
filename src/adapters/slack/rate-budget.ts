import type { Store } from '../../core/ports/store.js';
import { SharedRateLimiter, type WindowBudget } from '../redis/rate-limit.js';
import { RedisStore } from '../redis/store.js';

/**
 * Slack's rate-limit tiers for every Web API method the bot calls (api.slack.com/docs/rate-limits:
 * each tier's per-minute figure is a floor, per method, per workspace). chat.postMessage is
 * "special": about one message a second per channel, which the outbox paces per channel.
 */
export type Tier = 1 | 2 | 3 | 4 | 'special';

export const METHOD_TIERS: Readonly<Record<string, Tier>> = {
  'chat.postMessage': 'special',
  'chat.update': 3,
  'chat.postEphemeral': 4,
  'pins.add': 2,
  'bookmarks.add': 2,
  'conversations.create': 2,
  'conversations.setTopic': 2,
  'conversations.setPurpose': 2,
  'conversations.invite': 3,
  'conversations.info': 3,
  'conversations.history': 3,
  'conversations.replies': 3,
  'usergroups.users.list': 2,
  'users.lookupByEmail': 3,
  'users.info': 4,
  'views.open': 4,
  'views.update': 4,
  'views.publish': 4,
};

/** Calls per minute each tier allows at the least. */
export const TIER_FLOOR_PER_MINUTE: Readonly<Record<Exclude<Tier, 'special'>, number>> = { 1: 1, 2: 20, 3: 50, 4: 100 };

/** The workspace-wide budget the bot keeps per method: Tier 2 and Tier 3 methods, at their floor. */
export function tierBudget(method: string): WindowBudget | undefined {
  const tier = METHOD_TIERS[method];
  if (tier !== 2 && tier !== 3) return undefined;
  return { max: TIER_FLOOR_PER_MINUTE[tier], windowMs: 60_000 };
}

export interface SlackBudgetOptions {
  /** 'tiers': Tier 2 and 3 methods share one budget per method across processes; 'off': none. */
  limiter: 'tiers' | 'off';
  /** Multiplies Slack's Retry-After and the inline wait bound (1 in production; tests shrink time). */
  retryAfterScale: number;
}

/**
 * What every Slack call asks before it goes, and tells after a 429. Shared by the direct calls
 * (chat.ts) and the outbox drain, so a method's budget and a 429's hold hold for both.
 */
export class SlackBudget {
  private readonly limiter: SharedRateLimiter | undefined;

  constructor(
    store: Store,
    readonly options: SlackBudgetOptions = { limiter: 'tiers', retryAfterScale: 1 },
  ) {
    // The limiter is Lua over Redis; without the Redis store (unit wiring) there is nothing to share.
    this.limiter = options.limiter === 'tiers' && store instanceof RedisStore ? new SharedRateLimiter(store, tierBudget) : undefined;
  }

  /** 0: call `method` now (counted). Otherwise the milliseconds before it may be called. */
  take(method: string): Promise<number> {
    return this.limiter ? this.limiter.take(method) : Promise.resolve(0);
  }

  /**
   * Slack answered 429: no process calls `method` until Retry-After has passed (for a limited
   * method; chat.postMessage's limit is per channel, held by the outbox). Returns the wait in ms.
   */
  async rateLimited(method: string, retryAfterMs: number | undefined): Promise<number> {
    const ms = Math.max(1, Math.ceil((retryAfterMs ?? 1000) * this.options.retryAfterScale));
    await this.limiter?.hold(method, ms);
    return ms;
  }

  /** Waits up to this long are sat out in the call; longer ones become a RateLimitedError. */
  inlineWaitMs(base: number): number {
    return base * this.options.retryAfterScale;
  }
}
