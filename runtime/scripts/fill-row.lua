-- Fill a row read from Postgres, only while the reader's lease stands and nothing else has been written there.
-- KEYS[1] row, KEYS[2] index set, KEYS[3] lease
-- ARGV[1] reader lease value, ARGV[2] 'row' | 'absent', ARGV[3] value (encoded row or the absent marker),
-- ARGV[4] ttl of the value (ms), ARGV[5] pk tag, ARGV[6] 'all' set key ('' = the caller does it: Cluster),
-- ARGV[7..] pointer keys (single Redis only)
-- Returns 1 filled | 0 refused
if redis.call('GET', KEYS[3]) ~= ARGV[1] then
  -- A writer overrode our lease (our Postgres read may predate its commit), or it expired: never fill.
  return 0
end
redis.call('DEL', KEYS[3])
local current = redis.call('GET', KEYS[1])
if current and current ~= ARGV[3] then
  -- A writer's row or its invalidation marker is there: it is newer than our read.
  return 0
end
redis.call('SET', KEYS[1], ARGV[3], 'PX', ARGV[4])
local keep = {}
local kept = 0
for i = 7, #ARGV do
  keep[ARGV[i]] = true
  kept = kept + 1
end
-- Pointers of older values of this row that still name it are stale: remove them (they are hints either way).
for _, pointer in ipairs(redis.call('SMEMBERS', KEYS[2])) do
  if not keep[pointer] and redis.call('GET', pointer) == ARGV[5] then
    redis.call('DEL', pointer)
  end
end
redis.call('DEL', KEYS[2])
for i = 7, #ARGV do
  redis.call('SET', ARGV[i], ARGV[5], 'PX', ARGV[4])
  redis.call('SADD', KEYS[2], ARGV[i])
end
if kept > 0 then
  redis.call('PEXPIRE', KEYS[2], ARGV[4])
end
if ARGV[6] ~= '' then
  if ARGV[2] == 'row' then
    redis.call('SADD', ARGV[6], ARGV[5])
    redis.call('PEXPIRE', ARGV[6], ARGV[4])
  else
    redis.call('SREM', ARGV[6], ARGV[5])
  end
end
return 1
