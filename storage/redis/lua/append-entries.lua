-- Appends many entries to one stream in one call: far cheaper for the client than one XADD
-- command per entry (no per-command object, promise and reply), same entries in Redis.
-- KEYS[1] the stream
-- ARGV per entry: the number of field/value arguments n, then those n arguments
-- Returns the number of entries appended.
local fields = {}
local appended = 0
local i = 1
while i <= #ARGV do
  local n = tonumber(ARGV[i])
  for j = 1, n do fields[j] = ARGV[i + j] end
  redis.call('XADD', KEYS[1], '*', unpack(fields, 1, n))
  appended = appended + 1
  i = i + n + 1
end
return appended
