-- Marks every writer in flight in `writers` (but `except`) as contended: it may have committed in either order with
-- the commit that calls this, so its apply-write must leave the invalid marker instead of its row. Contention is
-- recorded twice: in the `contended` set, and as a CONTENDED_PREFIX .. token member of the writers set with that
-- writer's own deadline, so that an eviction of the contended set alone forgets nothing (an eviction of the writers
-- set makes every writer in it find itself missing at apply, which is just as safe: see apply-write.lua).
-- Returns how many writers were marked.
local function mark_contended(writers, contended, except)
  local marked = 0
  for _, token in ipairs(redis.call('ZRANGE', writers, 0, -1)) do
    if token ~= except and string.sub(token, 1, #CONTENDED_PREFIX) ~= CONTENDED_PREFIX then
      redis.call('SADD', contended, token)
      redis.call('ZADD', writers, redis.call('ZSCORE', writers, token), CONTENDED_PREFIX .. token)
      marked = marked + 1
    end
  end
  return marked
end
