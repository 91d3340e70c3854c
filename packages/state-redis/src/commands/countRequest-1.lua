--[[
  Counts one request in a fixed one-second window (a team's rate limit, shared by every gateway
  replica).

  KEYS[1] the window's counter (`...:rate:<scope>:<team>:<unix second>`)
  Returns the count in the window, this request included.
]]
local count = redis.call("INCR", KEYS[1])
if count == 1 then redis.call("EXPIRE", KEYS[1], 2) end
return count
