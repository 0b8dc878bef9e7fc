-- Follow a unique pointer to its row in one round trip (single Redis only: the row key is built here, so it is not
-- declared; on a Cluster the caller does GET pointer, then GET row, then take-reader-lease, in steps). When there is
-- no pointer or no row, take the pointer's lease so that one reader, not all of them, reads Postgres for this value.
-- KEYS[1] pointer, KEYS[2] pointer lease
-- ARGV[1] row key prefix (the row key is ARGV[1] .. tag .. '}'), ARGV[2] reader lease value, ARGV[3] lease ttl (ms)
-- Returns {'row', tag, row value} | {'lease'} (the caller now holds the pointer lease) | {'wait', current lease value}
--#include lease-or-wait
local ok, tag = pcall(redis.call, 'GET', KEYS[1])
if not ok then
  -- Not a string: another program's value where our pointer goes. Pointers are hints: drop it.
  redis.call('DEL', KEYS[1])
  tag = false
end
if tag then
  local found, row = pcall(redis.call, 'GET', ARGV[1] .. tag .. '}')
  if not found then
    row = '~hotstorage:not-a-string' -- the caller counts it corrupt; read-row then drops it (see read-row.lua)
  end
  if row then
    return {'row', tag, row}
  end
end
return lease_or_wait(KEYS[2], ARGV[2], ARGV[3])
