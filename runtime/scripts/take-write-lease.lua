-- Take a row's lease for a writer before its database commit, overriding any reader's lease (so a read that may
-- predate the commit can no longer fill). Writers in flight are kept in a sorted set (score = lease deadline):
-- a writer whose flight overlaps another's cannot know which commits last, so both are marked contended and will
-- leave the invalid marker instead of their row. A writer that finds no other writer in flight is not affected by
-- earlier contention, so steady overlapping writes never lock a row out of the cache for good.
-- The reply is the row's value as cached now (when ARGV[3] is '1'): its pointers are the ones this writer's apply-write
-- removes if the commit changes them (nothing else writes this row's pointers while the writer's lease stands).
-- KEYS[1] lease, KEYS[2] writers (zset), KEYS[3] contended (set), KEYS[4] row
-- ARGV[1] writer token, ARGV[2] lease ttl (ms), ARGV[3] '1' return the row's value | '0' (the table has no pointers)
-- Returns the row's current value, or nil (none, not a string, or not asked for)
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local ttl = tonumber(ARGV[2])
-- Writers whose lease expired are no longer in flight for us; their own apply will find them gone.
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
local others = {}
for _, token in ipairs(redis.call('ZRANGE', KEYS[2], 0, -1)) do
  if token ~= ARGV[1] and string.sub(token, 1, 2) ~= 'c:' then table.insert(others, token) end
end
if #others > 0 then
  -- Contention is recorded twice: in the contended set, and as a 'c:<token>' member of the writers set with the
  -- writer's own deadline, so that an eviction of the contended set alone forgets nothing (an eviction of the writers
  -- set makes every writer in it find itself missing at apply, which is safe: see apply-write.lua).
  for _, token in ipairs(others) do
    redis.call('SADD', KEYS[3], token)
    redis.call('ZADD', KEYS[2], redis.call('ZSCORE', KEYS[2], token), 'c:' .. token)
  end
  redis.call('SADD', KEYS[3], ARGV[1])
  redis.call('PEXPIRE', KEYS[3], ttl)
  redis.call('ZADD', KEYS[2], now + ttl, 'c:' .. ARGV[1])
end
redis.call('ZADD', KEYS[2], now + ttl, ARGV[1])
redis.call('PEXPIRE', KEYS[2], ttl)
redis.call('SET', KEYS[1], 'w', 'PX', ttl)
if ARGV[3] ~= '1' then
  return false
end
local ok, value = pcall(redis.call, 'GET', KEYS[4])
if not ok then
  return false
end
return value
