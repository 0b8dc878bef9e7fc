-- Follow a unique pointer to its row in one round trip (single Redis only: the row key is built here, so it is not
-- declared; on a Cluster the caller does GET pointer, then GET row, in two steps).
-- KEYS[1] pointer
-- ARGV[1] row key prefix (the row key is ARGV[1] .. tag .. '}')
-- Returns {} (no pointer) | {tag} (pointer, no row) | {tag, row value}
local tag = redis.call('GET', KEYS[1])
if not tag then
  return {}
end
local row = redis.call('GET', ARGV[1] .. tag .. '}')
if not row then
  return {tag}
end
return {tag, row}
