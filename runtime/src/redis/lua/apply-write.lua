-- After a database commit: write the committed row (or the absent marker) and its pointers if this writer is still
-- in flight (its lease did not expire) and no other writer overlapped it; otherwise leave the invalid marker, which
-- readers treat as a miss and no fill may overwrite (a reader granted a lease after ours expired during a slow commit
-- may hold the pre-commit row; an overlapping writer may have committed after us).
-- The pointers of the row as cached when the writer's lease was taken (take-write-lease.lua returned it) are removed
-- when the commit does not keep them, and all of them when the invalid marker is left (nothing else would know them
-- then: the marker carries no values), but only while they still name this row (a value that moved to another row
-- already points there).
-- KEYS[1] row, KEYS[2] lease, KEYS[3] writers, KEYS[4] contended, KEYS[5] applied token
-- ARGV[1] writer token, ARGV[2] value (encoded row or the absent marker), ARGV[3] ttl of the value (ms),
-- ARGV[4] invalid marker, ARGV[5] its ttl (ms), ARGV[6] pk tag, ARGV[7] ttl of the applied token (ms; '0' = no change
-- feed), ARGV[8] n = how many new pointers follow, ARGV[9..8+n] the new row's pointer keys, ARGV[9+n..] the old row's
-- pointer keys (pointers: single Redis only; on a Cluster they live in other slots and the caller writes them)
-- Returns 1 written | 0 invalidated
--#include now
--#include mark-contended
--#include drop-pointers
local deadline = redis.call('ZSCORE', KEYS[3], ARGV[1])
local contended = redis.call('SISMEMBER', KEYS[4], ARGV[1]) == 1 or redis.call('ZSCORE', KEYS[3], CONTENDED_PREFIX .. ARGV[1]) ~= false
redis.call('ZREM', KEYS[3], ARGV[1], CONTENDED_PREFIX .. ARGV[1])
redis.call('SREM', KEYS[4], ARGV[1])
if not deadline or tonumber(deadline) <= now then
  -- Our record is gone (expired and cleared by a later writer's take, or evicted with the whole set): writers now in
  -- flight may have started during our flight without seeing us, and one of us may commit after the other. None of
  -- them may write its row either.
  mark_contended(KEYS[3], KEYS[4], ARGV[1])
end
-- The outbox listener skips the entry this writer's own trigger recorded: the cache already holds this commit.
if ARGV[7] ~= '0' then
  redis.call('SET', KEYS[5], ARGV[1], 'PX', ARGV[7])
end
-- A reader's lease (or its failed marker) goes whatever happens below: that reader may have read Postgres before our
-- commit, and its fill must be refused even if the row or marker written here is evicted before the fill arrives.
local lease = redis.call('GET', KEYS[2])
if lease and (lease ~= WRITER or redis.call('ZCARD', KEYS[3]) == 0) then
  redis.call('DEL', KEYS[2])
end
local written = deadline and tonumber(deadline) > now and not contended
local last = 8 + tonumber(ARGV[8])
local keep = {}
if written then
  for i = 9, last do
    keep[ARGV[i]] = true
  end
end
drop_pointers(ARGV[6], last + 1, keep)
if not written then
  redis.call('SET', KEYS[1], ARGV[4], 'PX', ARGV[5])
  return 0
end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
for i = 9, last do
  redis.call('SET', ARGV[i], ARGV[6], 'PX', ARGV[3])
end
return 1
