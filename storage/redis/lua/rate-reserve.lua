-- Reserves `n` call starts for one campaign at `rate` per second, from second `now` on; any
-- number of executors share the budget.
-- KEYS[1] hash second -> calls reserved
-- ARGV[1] now (whole seconds), ARGV[2] rate per second, ARGV[3] calls wanted,
-- ARGV[4] latest second worth reserving (later calls are not reserved)
-- Returns one second per reserved call, in order.
local now, rate, n, last = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local out = {}
local s = now
while #out < n and s <= last do
  local used = tonumber(redis.call('HGET', KEYS[1], s) or '0')
  local take = math.min(rate - used, n - #out)
  if take > 0 then
    redis.call('HINCRBY', KEYS[1], s, take)
    for _ = 1, take do out[#out + 1] = s end
  end
  s = s + 1
end
for _, field in ipairs(redis.call('HKEYS', KEYS[1])) do
  if tonumber(field) < now - 60 then redis.call('HDEL', KEYS[1], field) end
end
redis.call('EXPIRE', KEYS[1], 3600)
return out
