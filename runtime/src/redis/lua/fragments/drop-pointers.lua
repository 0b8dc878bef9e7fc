-- Deletes the pointer keys ARGV[first..] that still name the row with pk tag `tag` (a value that moved to another row
-- already points there and stays), except those in `keep`.
local function drop_pointers(tag, first, keep)
  for i = first, #ARGV do
    if not keep[ARGV[i]] and redis.call('GET', ARGV[i]) == tag then
      redis.call('DEL', ARGV[i])
    end
  end
end
