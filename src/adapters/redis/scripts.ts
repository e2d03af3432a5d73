/** Lua scripts of the Redis Store, loaded once per connection and called by SHA (RedisStore.script). */

/**
 * Compare-and-set for update(): writes only if the key still holds exactly what was read (or is
 * still absent). Lock-free and safe on a shared connection, unlike WATCH, whose state belongs to
 * the connection rather than the caller. A lost race is answered with what the key holds now, so
 * the caller computes again without a GET of its own; update() first tries it with the value it
 * last saw for the key (its own last write, usually), so an update of a key nobody else changed
 * is this one round trip.
 * ARGV: existed ('0'|'1'), expected value, 'set'|'del', new value, ttl ms ('' keeps the TTL).
 * Returns 1 when written, else {0, current value (false when absent)}.
 */
export const CAS_LUA = `
local cur = redis.call('GET', KEYS[1])
if ARGV[1] == '0' then
  if cur then return {0, cur} end
elseif cur ~= ARGV[2] then
  return {0, cur}
end
if ARGV[3] == 'del' then
  redis.call('DEL', KEYS[1])
elseif ARGV[5] ~= '' then
  redis.call('SET', KEYS[1], ARGV[4], 'PX', tonumber(ARGV[5]))
else
  redis.call('SET', KEYS[1], ARGV[4], 'KEEPTTL')
end
return 1`;

/** KEYS: lease. ARGV: owner, ttl ms. Extends the lease only while it still holds owner. */
export const EXTEND_LUA = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end`;

/** Deletes the key only while it still holds the caller's owner token. */
export const RELEASE_LUA = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;
/**
 * RPUSH values (from ARGV[3]), keep only the newest ARGV[1] entries (0 = no cap), then expire the
 * list in ARGV[2] ms ('' leaves its TTL alone); returns the final length.
 */
export const LIST_PUSH_LUA = `
local n = redis.call('RPUSH', KEYS[1], unpack(ARGV, 3))
local cap = tonumber(ARGV[1])
if cap > 0 and n > cap then
  redis.call('LTRIM', KEYS[1], -cap, -1)
  n = cap
end
if ARGV[2] ~= '' then redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2])) end
return n`;
