-- Read a list and the rows of the page asked for in one round trip, or take the list's lease when it is missing (single
-- Redis only: the row keys are built here from the member tags the list value carries, so they are not declared, as in
-- read-pointer.lua; on a Cluster the caller runs read-row on the list, then reads the page's rows in a second step).
-- A list the caller has read before is not read here: one MGET of it and of the rows it had costs Redis less than
-- this script (protocol/read-list.ts); this is the first read of a list by a process, and the miss.
-- Only the members' place is read here: whether the list is of the current epoch, whether its tags agree with its
-- members, and whether each row still belongs to the list are the caller's checks (protocol/read-list.ts).
-- KEYS[1] list, KEYS[2] list lease
-- ARGV[1] reader lease value, ARGV[2] lease ttl (ms), ARGV[3] a value the caller could not decode ('' = none),
-- ARGV[4] row key prefix (a row key is ARGV[4] .. tag .. '}'), ARGV[5] the member tag the page starts after ('' = the
-- first member), ARGV[6] how many members to read (the page; more when the caller filters by other columns)
-- Returns {'row', list value, the page's row values (false when missing)...} | {'lease'} (the caller now holds the
-- lease) | {'wait', current lease value}
--#include lease-or-wait
local ok, list = pcall(redis.call, 'GET', KEYS[1])
if not ok then
  -- Not a string: another program's value under our key (see read-row.lua).
  list = '~hotstorage:not-a-string'
end
if list and list ~= ARGV[3] then
  local reply = {'row', list}
  -- The list value: an optional epoch tag `~e<n>~`, then 'K', the member tags separated by spaces (escaped key parts
  -- never hold one), a newline and the members' identities as JSON (table/list-value.ts).
  local _, tagged = string.find(list, '^~e%d+~')
  local marker = (tagged or 0) + 1
  local newline = string.find(list, '\n', marker, true)
  if string.sub(list, marker, marker) == 'K' and newline then
    local after = ARGV[5]
    local size = tonumber(ARGV[6])
    local started = after == ''
    local keys = {}
    for tag in string.gmatch(string.sub(list, marker + 1, newline - 1), '[^ ]+') do
      if #keys >= size then
        break
      end
      if started then
        keys[#keys + 1] = ARGV[4] .. tag .. '}'
      elseif tag == after then
        started = true
      end
    end
    -- MGET in chunks: unpack() is bounded by Lua's stack.
    for first = 1, #keys, 1000 do
      local rows = redis.call('MGET', unpack(keys, first, math.min(first + 999, #keys)))
      for i = 1, #rows do
        reply[#reply + 1] = rows[i]
      end
    end
  end
  return reply
end
if list then
  -- The caller found this exact value corrupt, foreign or of an older epoch: drop it so the fill below can repair it.
  redis.call('DEL', KEYS[1])
end
return lease_or_wait(KEYS[2], ARGV[1], ARGV[2])
