/** Lua scripts of the Redis Store, loaded once per connection and called by SHA (RedisStore.script). */

/**
 * Compare-and-set for update(): writes only if the key still holds exactly what was read (or is
 * still absent). Lock-free and safe on a shared connection, unlike WATCH, whose state belongs to
 * the connection rather than the caller.
 * ARGV: existed ('0'|'1'), expected value, 'set'|'del', new value, ttl ms ('' keeps the TTL).
 */
export const CAS_LUA = `
local cur = redis.call('GET', KEYS[1])
if ARGV[1] == '0' then
  if cur then return 0 end
elseif cur ~= ARGV[2] then
  return 0
end
if ARGV[3] == 'del' then
  redis.call('DEL', KEYS[1])
elseif ARGV[5] ~= '' then
  redis.call('SET', KEYS[1], ARGV[4], 'PX', tonumber(ARGV[5]))
else
  redis.call('SET', KEYS[1], ARGV[4], 'KEEPTTL')
end
return 1`;

/** Deletes the key only while it still holds the caller's owner token. */
/** KEYS: lease. ARGV: owner, ttl ms. Extends the lease only while it still holds owner. */
export const EXTEND_LUA = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end`;

export const RELEASE_LUA = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;
/** RPUSH values then keep only the newest ARGV[1] entries (0 = no cap); returns the final length. */
export const LIST_PUSH_LUA = `
local n = redis.call('RPUSH', KEYS[1], unpack(ARGV, 2))
local cap = tonumber(ARGV[1])
if cap > 0 and n > cap then
  redis.call('LTRIM', KEYS[1], -cap, -1)
  return cap
end
return n`;
