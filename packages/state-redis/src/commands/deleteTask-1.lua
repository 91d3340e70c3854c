--[[
  Deletes every node key listed in a task's index, then the index, with UNLINK in batches.
  Idempotent: a second call finds no index and removes nothing. An index key of another type
  (corrupt or foreign) is unlinked too; the caller then finds the node keys by SCAN.

  KEYS[1] task index key (hash: node key -> stage status)
  Returns {node keys removed, 1 if the index was not a hash else 0}.
]]
local BATCH = 500
local indexType = redis.call("TYPE", KEYS[1]).ok
if indexType ~= "hash" then
  redis.call("UNLINK", KEYS[1])
  return {0, indexType == "none" and 0 or 1}
end
local members = redis.call("HKEYS", KEYS[1])
local removed = 0
for first = 1, #members, BATCH do
  removed = removed + redis.call("UNLINK", unpack(members, first, math.min(first + BATCH - 1, #members)))
end
redis.call("UNLINK", KEYS[1])
return {removed, 0}
