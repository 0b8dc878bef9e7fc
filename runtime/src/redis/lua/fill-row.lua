-- Fill a row read from Postgres, only while the reader's lease stands and nothing else has been written there.
-- The row's pointers are written with it. Pointers of older values of the row are not known here (the row key was
-- empty): the writer that changed those values removed them (apply-write.lua); any left by an eviction are hints,
-- re-checked by every lookup, and expire.
-- KEYS[1] row, KEYS[2] lease
-- ARGV[1] reader lease value, ARGV[2] value (encoded row or the absent marker), ARGV[3] ttl of the value (ms),
-- ARGV[4] pk tag, ARGV[5..] pointer keys (single Redis only)
-- Returns 1 filled | 0 refused
if redis.call('GET', KEYS[2]) ~= ARGV[1] then
  -- A writer overrode our lease (our Postgres read may predate its commit), or it expired: never fill.
  return 0
end
redis.call('DEL', KEYS[2])
local current = redis.call('GET', KEYS[1])
if current and current ~= ARGV[2] then
  -- A writer's row or its invalidation marker is there: it is newer than our read.
  return 0
end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
for i = 5, #ARGV do
  redis.call('SET', ARGV[i], ARGV[4], 'PX', ARGV[3])
end
return 1
