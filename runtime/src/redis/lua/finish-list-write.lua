-- After a writer's commit (or its rollback): the list is deleted (its members may have changed; the next read refills
-- it from Postgres), the writer leaves the writers in flight, and the lease goes once none remains (with one still in
-- flight, its 'w' stays so that no read predating that writer's commit can fill).
-- KEYS[1] list, KEYS[2] list lease, KEYS[3] writers (zset)
-- ARGV[1] writer token, ARGV[2] '1' committed (delete the list) | '0' rolled back, ARGV[3] '1' drop the lease ('0' only
-- in the test that proves the override matters)
-- Returns 1 when the list was deleted
--#include now
redis.call('ZREM', KEYS[3], ARGV[1], CONTENDED_PREFIX .. ARGV[1]) -- and its mark, if an invalidation left one
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now)
if ARGV[3] == '1' and redis.call('ZCARD', KEYS[3]) == 0 then
  redis.call('DEL', KEYS[2])
end
if ARGV[2] == '1' then
  return redis.call('DEL', KEYS[1])
end
return 0
