-- Keeps entries a consumer is still working on from being reclaimed: resets the idle time of
-- those of the given ids that are still pending with that consumer (XCLAIM … JUSTID, which
-- leaves the delivery count alone). An entry another consumer has claimed meanwhile is left
-- to it, which is why ownership is checked here, atomically, and not by the client.
-- KEYS[1] the stream
-- ARGV[1] the group, ARGV[2] the consumer, ARGV[3…] entry ids
-- Returns how many entries were touched.
local mine = {}
for i = 3, #ARGV do
  local owned = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[i], ARGV[i], 1, ARGV[2])
  if owned[1] then mine[#mine + 1] = ARGV[i] end
end
-- (unpack only spreads in last position, so each call's arguments are gathered first)
for start = 1, #mine, 500 do
  local args = { KEYS[1], ARGV[1], ARGV[2], 0 }
  for i = start, math.min(start + 499, #mine) do args[#args + 1] = mine[i] end
  args[#args + 1] = 'JUSTID'
  redis.call('XCLAIM', unpack(args))
end
return #mine
