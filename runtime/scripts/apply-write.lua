-- After a database commit: write the committed row (or the absent marker) and its pointers if this writer is still
-- in flight (its lease did not expire) and no other writer overlapped it; otherwise leave the invalid marker, which
-- readers treat as a miss and no fill may overwrite (a reader granted a lease after ours expired during a slow commit
-- may hold the pre-commit row; an overlapping writer may have committed after us).
-- KEYS[1] row, KEYS[2] index set, KEYS[3] lease, KEYS[4] writers, KEYS[5] contended, KEYS[6] applied token
-- ARGV[1] writer token, ARGV[2] 'row' | 'absent', ARGV[3] value, ARGV[4] ttl of the value (ms),
-- ARGV[5] invalid marker, ARGV[6] its ttl (ms), ARGV[7] pk tag, ARGV[8] 'all' set key ('' = Cluster: the caller),
-- ARGV[9] ttl of the applied token (ms; '0' = no change feed), ARGV[10..] pointer keys (single Redis only)
-- Returns 1 written | 0 invalidated
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local deadline = redis.call('ZSCORE', KEYS[4], ARGV[1])
local contended = redis.call('SISMEMBER', KEYS[5], ARGV[1]) == 1 or redis.call('ZSCORE', KEYS[4], 'c:' .. ARGV[1]) ~= false
redis.call('ZREM', KEYS[4], ARGV[1], 'c:' .. ARGV[1])
redis.call('SREM', KEYS[5], ARGV[1])
if not deadline or tonumber(deadline) <= now then
  -- Our record is gone (expired and cleared by a later writer's take, or evicted with the whole set): writers now in
  -- flight may have started during our flight without seeing us, and one of us may commit after the other. None of
  -- them may write its row either.
  for _, token in ipairs(redis.call('ZRANGE', KEYS[4], 0, -1)) do
    if string.sub(token, 1, 2) ~= 'c:' then
      redis.call('SADD', KEYS[5], token)
      redis.call('ZADD', KEYS[4], redis.call('ZSCORE', KEYS[4], token), 'c:' .. token)
    end
  end
end
-- The outbox listener skips the entry this writer's own trigger recorded: the cache already holds this commit.
if ARGV[9] ~= '0' then
  redis.call('SET', KEYS[6], ARGV[1], 'PX', ARGV[9])
end
-- A reader's lease (or its failed marker) goes whatever happens below: that reader may have read Postgres before our
-- commit, and its fill must be refused even if the row or marker written here is evicted before the fill arrives.
local lease = redis.call('GET', KEYS[3])
if lease and (lease ~= 'w' or redis.call('ZCARD', KEYS[4]) == 0) then
  redis.call('DEL', KEYS[3])
end
if not deadline or tonumber(deadline) <= now or contended then
  redis.call('SET', KEYS[1], ARGV[5], 'PX', ARGV[6])
  return 0
end
redis.call('SET', KEYS[1], ARGV[3], 'PX', ARGV[4])
local keep = {}
for i = 10, #ARGV do
  keep[ARGV[i]] = true
end
-- Stale pointers of the old values are removed through the index set, but only while they still name this row:
-- a value that moved to another row already points there.
for _, pointer in ipairs(redis.call('SMEMBERS', KEYS[2])) do
  if not keep[pointer] and redis.call('GET', pointer) == ARGV[7] then
    redis.call('DEL', pointer)
  end
end
redis.call('DEL', KEYS[2])
for i = 10, #ARGV do
  redis.call('SET', ARGV[i], ARGV[7], 'PX', ARGV[4])
  redis.call('SADD', KEYS[2], ARGV[i])
end
if #ARGV >= 10 then
  redis.call('PEXPIRE', KEYS[2], ARGV[4])
end
if ARGV[8] ~= '' then
  if ARGV[2] == 'row' then
    redis.call('SADD', ARGV[8], ARGV[7])
    redis.call('PEXPIRE', ARGV[8], ARGV[4])
  else
    redis.call('SREM', ARGV[8], ARGV[7])
  end
end
return 1
