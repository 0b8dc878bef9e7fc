-- Follow many unique pointers to their rows in one round trip (getManyBy<Unique>; single Redis only: neither pointers
-- nor rows are declared, as in read-pointer.lua, so a Cluster takes the per-value path). Reads only: a pointer or row
-- that is missing, or a row that no longer carries its values, is left to the caller's per-value path, which leases.
-- ARGV[1] row key prefix (the row key is ARGV[1] .. tag .. '}'), ARGV[2..] pointer keys
-- Returns, per pointer, two entries: its tag and its row's value (each false when absent or not a string)
local out = {}
for i = 2, #ARGV do
  local ok, tag = pcall(redis.call, 'GET', ARGV[i])
  local row = false
  if ok and tag then
    local found, value = pcall(redis.call, 'GET', ARGV[1] .. tag .. '}')
    if found then
      row = value
    end
  else
    tag = false
  end
  out[#out + 1] = tag
  out[#out + 1] = row
end
return out
