--[[
  Claims or renews a lease: one holder at a time (e.g. the one reconciler of a deployment).

  KEYS[1] lease key (string: the holder's id, expiring)
  ARGV[1] holder id
  ARGV[2] lease duration in ms

  Returns 1 when the caller holds the lease afterwards (newly claimed or renewed), else 0.
]]
local holder = redis.call("GET", KEYS[1])
if holder == ARGV[1] then
  redis.call("PEXPIRE", KEYS[1], ARGV[2])
  return 1
end
if not holder then
  redis.call("SET", KEYS[1], ARGV[1], "PX", ARGV[2])
  return 1
end
return 0
