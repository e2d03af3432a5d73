import { randomUUID } from 'node:crypto';
import type { RedisStore, Script } from './store.js';

/**
 * A rate limit shared by every process on one Redis: a sliding-window log per name (a sorted set of
 * the calls made, scored by Redis's own clock, so processes with skewed clocks still agree), plus a
 * hold that stops the name entirely until a given time (the upstream said "wait", e.g. a 429).
 * Checking and recording happen in one script, so two processes can never both take the last slot.
 */

/** At most `max` calls in any `windowMs`. */
export interface WindowBudget {
  max: number;
  windowMs: number;
}

// KEYS: log, hold. ARGV: max, window ms, call id.
// 0 when the call may go now (it is recorded), else the milliseconds until it may.
const TAKE_LUA = `
local held = redis.call('PTTL', KEYS[2])
if held > 0 then return held end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('ZADD', KEYS[1], now, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], window)
  return 0
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return math.max(1, tonumber(oldest[2]) + window - now)`;

// KEYS: hold. ARGV: ms. A longer hold already in place is kept.
const HOLD_LUA = `
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('SET', KEYS[1], '1', 'PX', tonumber(ARGV[1]))
end
return 1`;

export class SharedRateLimiter {
  private readonly takeScript: Script<number>;
  private readonly holdScript: Script<number>;

  constructor(
    private readonly store: RedisStore,
    /** The budget of a name; none: not limited (take() answers 0 without asking Redis). */
    private readonly budgetOf: (name: string) => WindowBudget | undefined,
  ) {
    this.takeScript = store.script('switchyardRateTake', 2, TAKE_LUA);
    this.holdScript = store.script('switchyardRateHold', 1, HOLD_LUA);
  }

  limits(name: string): boolean {
    return this.budgetOf(name) !== undefined;
  }

  /** 0: go now (the call is counted). Otherwise the milliseconds to wait before asking again. */
  async take(name: string): Promise<number> {
    const budget = this.budgetOf(name);
    if (!budget) return 0;
    return this.takeScript(
      [this.store.key('ratelimit', 'log', name), this.store.key('ratelimit', 'hold', name)],
      [budget.max, budget.windowMs, randomUUID()],
    );
  }

  /** Nobody may call `name` for the next `ms` (an upstream's Retry-After). */
  async hold(name: string, ms: number): Promise<void> {
    if (!this.budgetOf(name)) return;
    await this.holdScript([this.store.key('ratelimit', 'hold', name)], [Math.max(1, Math.ceil(ms))]);
  }
}
