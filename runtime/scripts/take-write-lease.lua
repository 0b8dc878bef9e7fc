-- Take a row's lease for a writer before its database commit, overriding any reader's lease so that a read that
-- may predate the commit can no longer fill. Two writers in flight on one row cannot know which commits last:
-- the lease becomes 'x' (owned by nobody) and both end in the invalid marker.
-- KEYS[1] lease
-- ARGV[1] writer lease value (starts with 'w:'), ARGV[2] lease ttl (ms)
-- Returns 1 taken | 0 contended
local current = redis.call('GET', KEYS[1])
if current and (string.sub(current, 1, 2) == 'w:' or current == 'x') then
  redis.call('SET', KEYS[1], 'x', 'PX', ARGV[2])
  return 0
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
