--[[
  Releases a lease if the caller still holds it (a clean shutdown hands over at once).

  KEYS[1] lease key
  ARGV[1] holder id

  Returns 1 when released, 0 when another holder (or nobody) had it.
]]
if redis.call("GET", KEYS[1]) == ARGV[1] then
  return redis.call("DEL", KEYS[1])
end
return 0
