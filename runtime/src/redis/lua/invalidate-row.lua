-- Invalidates one row changed by a commit the cache did not get: the outbox listener's entries (a write that bypassed
-- hotstorage, or a hotstorage writer whose own cache update never came), the repair queue's rows (this process's
-- writers whose cache update failed), and `hotstorage verify --repair`. Order matters: the row's lease is overridden
-- FIRST, so a reader that read the old row from Postgres before the commit and still holds its lease can no longer fill
-- it; writers in flight are marked contended, so their post-commit update leaves the invalid marker instead of a row
-- that may predate this commit. Then the row goes, and the pointers of the value the listener read just before (only
-- those still naming this row; the caller decoded that value, since a script cannot: see runtime/invalidate.ts). The
-- row is deleted rather than marked invalid: after the override, every lease granted from now on belongs to a reader
-- whose Postgres read follows the commit, so the next miss may fill at once.
-- KEYS[1] row, KEYS[2] lease, KEYS[3] writers, KEYS[4] contended, KEYS[5] applied token
-- ARGV[1] origin token of the entry ('' = not a hotstorage writer), ARGV[2] pk tag, ARGV[3] lease ttl (ms),
-- ARGV[4] '1' override the lease (always; '0' only in the test that proves the override matters),
-- ARGV[5..] pointer keys of the row's cached value (single Redis only)
-- Returns 1 invalidated | 0 skipped (the writer's own update is in the cache) | 2 left to its writer still in flight
--#include now
--#include mark-contended
--#include drop-pointers
if ARGV[1] ~= '' then
  if redis.call('GET', KEYS[5]) == ARGV[1] then
    return 0
  end
  local deadline = redis.call('ZSCORE', KEYS[3], ARGV[1])
  if deadline and tonumber(deadline) > now then
    -- Its apply-write is coming and will write this commit's row (or the invalid marker). Should that writer die
    -- first, the row cached before its commit must not outlive its lease.
    local left = math.floor(tonumber(deadline) - now) + 1
    local ttl = redis.call('PTTL', KEYS[1])
    if ttl == -1 or ttl > left then
      redis.call('PEXPIRE', KEYS[1], left)
    end
    return 2
  end
end
if ARGV[4] == '1' then
  local lease = redis.call('GET', KEYS[2])
  if lease and lease ~= WRITER then
    redis.call('DEL', KEYS[2])
  end
  if mark_contended(KEYS[3], KEYS[4], nil) > 0 then
    redis.call('PEXPIRE', KEYS[4], ARGV[3])
  end
end
redis.call('DEL', KEYS[1])
drop_pointers(ARGV[2], 5, {})
return 1
