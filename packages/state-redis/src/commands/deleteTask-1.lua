--[[
  Deletes every node key listed in a task's index, then the index, with UNLINK in batches.
  Idempotent: a second call finds no index and removes nothing.

  KEYS[1] task index key
  Returns the number of node keys removed.
]]
local BATCH = 500
local members = redis.call("SMEMBERS", KEYS[1])
local removed = 0
for first = 1, #members, BATCH do
  removed = removed + redis.call("UNLINK", unpack(members, first, math.min(first + BATCH - 1, #members)))
end
redis.call("UNLINK", KEYS[1])
return removed
