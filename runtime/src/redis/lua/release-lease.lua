-- A writer leaves without a cache update (its statement failed, or its transaction did not commit): it is no longer
-- in flight; the row's lease goes when no other writer remains. Nothing else changes.
-- KEYS[1] lease, KEYS[2] writers, KEYS[3] contended
-- ARGV[1] writer token
-- Returns 1 released | 0 (it was not in flight any more)
local removed = redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[2], CONTENDED_PREFIX .. ARGV[1]) -- its contention mark (take-write-lease.lua)
redis.call('SREM', KEYS[3], ARGV[1])
if redis.call('ZCARD', KEYS[2]) == 0 and redis.call('GET', KEYS[1]) == WRITER then
  redis.call('DEL', KEYS[1])
end
return removed
