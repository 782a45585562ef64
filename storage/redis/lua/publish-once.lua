-- Appends one entry to a stream unless the marker says it was appended already.
-- KEYS[1] marker key, KEYS[2] stream
-- ARGV[1] marker time to live (s), ARGV[2..] field, value, field, value, ...
-- Returns the new entry id, or false when it had been published before.
if redis.call('SET', KEYS[1], '1', 'NX', 'EX', tonumber(ARGV[1])) then
  return redis.call('XADD', KEYS[2], '*', unpack(ARGV, 2))
end
return false
