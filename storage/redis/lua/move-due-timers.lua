-- Moves due timers into the due stream, atomically, so any number of pollers is safe.
-- KEYS[1] sorted set of timer ids scored by due time (ms)
-- KEYS[2] hash timer id -> JSON object of stream fields
-- KEYS[3] stream the due timers are appended to
-- ARGV[1] now (ms), ARGV[2] most timers to move in one call
-- Returns the number of timers moved.
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'WITHSCORES', 'LIMIT', 0, tonumber(ARGV[2]))
local moved = 0
for i = 1, #due, 2 do
  local id = due[i]
  local payload = redis.call('HGET', KEYS[2], id)
  local args = { KEYS[3], '*', 'timerId', id, 'dueAt', due[i + 1] }
  if payload then
    for field, value in pairs(cjson.decode(payload)) do
      args[#args + 1] = field
      args[#args + 1] = tostring(value)
    end
  end
  redis.call('XADD', unpack(args))
  redis.call('ZREM', KEYS[1], id)
  redis.call('HDEL', KEYS[2], id)
  moved = moved + 1
end
return moved
