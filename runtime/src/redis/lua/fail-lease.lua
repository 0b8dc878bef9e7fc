-- A lease holder whose Postgres query failed marks the lease failed, so waiters stop waiting at once and read
-- Postgres themselves. The marker keeps the lease's remaining ttl.
-- KEYS[1] lease
-- ARGV[1] the holder's lease value
-- Returns 1 marked | 0 (not ours any more)
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return 0
end
redis.call('SET', KEYS[1], FAILED, 'KEEPTTL')
return 1
