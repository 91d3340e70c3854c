--[[
  Renews a holder's lease, only while it still holds it: a holder whose lease ran out (it froze,
  or Redis was out of reach) learns that it lost the slot, and never takes it back this way.

  KEYS[1] holders (zset: token -> lease expiry, ms)
  ARGV[1] token
  ARGV[2] lease duration, ms

  Returns 1 when renewed, 0 when the token holds no live lease.
]]
local t = redis.call("TIME")
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local expiry = tonumber(redis.call("ZSCORE", KEYS[1], ARGV[1]) or 0)
if expiry <= now then
  if expiry > 0 then redis.call("ZREM", KEYS[1], ARGV[1]) end
  return 0
end
redis.call("ZADD", KEYS[1], "XX", now + tonumber(ARGV[2]), ARGV[1])
return 1
