-- A reader gives back a lease it will not fill under (its read is too old to trust).
-- KEYS[1] lease
-- ARGV[1] the reader's lease value
-- Returns 1 released | 0 (not ours any more)
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return 0
end
redis.call('DEL', KEYS[1])
return 1
