-- Redis's own clock in milliseconds: lease deadlines are compared with it, never with a client's clock.
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
