-- A reader takes the lease when nobody holds one: {'lease'} (the caller now holds it); else {'wait', the lease's
-- current value} (another reader's token, the writers' mark, or a failed reader's).
local function lease_or_wait(lease_key, token, ttl)
  local lease = redis.call('GET', lease_key)
  if lease then
    return {'wait', lease}
  end
  redis.call('SET', lease_key, token, 'PX', ttl)
  return {'lease'}
end
