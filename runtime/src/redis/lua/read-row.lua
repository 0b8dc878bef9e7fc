-- Read a row, or take its lease when it is missing (one round trip for hit and for miss).
-- KEYS[1] row, KEYS[2] lease
-- ARGV[1] reader lease value, ARGV[2] lease ttl (ms), ARGV[3] a value the caller could not decode ('' = none)
-- Returns {'row', value} | {'lease'} (the caller now holds the lease) | {'wait', current lease value}
--#include lease-or-wait
local ok, row = pcall(redis.call, 'GET', KEYS[1])
if not ok then
  -- Not a string: another program's value under our key. Named by a text no codec decodes, so the caller counts it
  -- as corrupt and drops it like any other foreign value.
  row = '~hotstorage:not-a-string'
end
if row and row ~= ARGV[3] then
  return {'row', row}
end
if row then
  -- The caller found this exact value corrupt or foreign: drop it so the fill below can repair it.
  redis.call('DEL', KEYS[1])
end
return lease_or_wait(KEYS[2], ARGV[1], ARGV[2])
