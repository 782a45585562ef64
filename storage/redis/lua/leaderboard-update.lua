-- Mirrors committed totals into a campaign's leaderboard; a total only ever grows (like ZADD GT),
-- so a late or repeated update cannot move a user back.
-- The sorted-set member encodes the tie-break: members of equal score sort so that the earlier
-- moment reached, then the lower user id, comes first in ZREVRANGE.
-- KEYS[1] sorted set member -> total (minor units)
-- KEYS[2] hash user id -> current member
-- ARGV triples: user id, total, member
-- Returns the number of users whose entry changed.
local changed = 0
for i = 1, #ARGV, 3 do
  local user, total, member = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  local old = redis.call('HGET', KEYS[2], user)
  if not old then
    redis.call('ZADD', KEYS[1], total, member)
    redis.call('HSET', KEYS[2], user, member)
    changed = changed + 1
  elseif old == member then
    changed = changed + redis.call('ZADD', KEYS[1], 'GT', 'CH', total, member)
  else
    local score = redis.call('ZSCORE', KEYS[1], old)
    if (not score) or tonumber(total) > tonumber(score) then
      redis.call('ZREM', KEYS[1], old)
      redis.call('ZADD', KEYS[1], total, member)
      redis.call('HSET', KEYS[2], user, member)
      changed = changed + 1
    end
  end
end
return changed
