-- A writer that can change a list's members takes the list's lease before its database commit, overriding any reader's
-- lease (a read that may predate the commit can no longer fill). Writers in flight are kept in a sorted set (score =
-- lease deadline), so the lease is given back only when the last of them is done (finish-list-write.lua).
-- KEYS[1] list lease, KEYS[2] writers (zset)
-- ARGV[1] writer token, ARGV[2] lease ttl (ms), ARGV[3] '1' override the lease ('0' only in the test that proves it matters)
-- Returns 1
--#include now
local ttl = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
redis.call('ZADD', KEYS[2], now + ttl, ARGV[1])
redis.call('PEXPIRE', KEYS[2], ttl)
if ARGV[3] == '1' then
  redis.call('SET', KEYS[1], WRITER, 'PX', ttl)
end
return 1
