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
--#include now
--#include mark-contended
local ttl = tonumber(ARGV[2])
-- Writers whose lease expired are no longer in flight for us; their own apply will find them gone.
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
if mark_contended(KEYS[2], KEYS[3], ARGV[1]) > 0 then
  -- Others are in flight: we are contended too.
  redis.call('SADD', KEYS[3], ARGV[1])
  redis.call('PEXPIRE', KEYS[3], ttl)
  redis.call('ZADD', KEYS[2], now + ttl, CONTENDED_PREFIX .. ARGV[1])
end
redis.call('ZADD', KEYS[2], now + ttl, ARGV[1])
redis.call('PEXPIRE', KEYS[2], ttl)
redis.call('SET', KEYS[1], WRITER, 'PX', ttl)
if ARGV[3] ~= '1' then
  return false
end
local ok, value = pcall(redis.call, 'GET', KEYS[4])
if not ok then
  return false
end
return value
