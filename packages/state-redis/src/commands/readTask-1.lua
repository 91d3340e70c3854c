--[[
  Reads every node view of a task through its index, in one round trip, and prunes index
  fields whose node key has expired.

  All node keys of a task share the index key's hash slot in the hash-tag layout, so this also
  runs on a Redis Cluster.

  KEYS[1] task index key (hash: node key -> stage status)
  Returns a flat array {node_key_1, value_1, node_key_2, value_2, ...} of the keys that exist,
  or the error CORRUPT_INDEX when the index key holds another type.
]]
local BATCH = 500
-- One call both lists the nodes and checks that the index is a hash (a missing key lists none).
local members = redis.pcall("HKEYS", KEYS[1])
if members.err then
  return redis.error_reply("CORRUPT_INDEX " .. KEYS[1] .. " is not a hash: " .. members.err)
end
local result = {}
local expired = {}
for first = 1, #members, BATCH do
  local last = math.min(first + BATCH - 1, #members)
  local values = redis.call("MGET", unpack(members, first, last))
  for i = first, last do
    local value = values[i - first + 1]
    if value then
      result[#result + 1] = members[i]
      result[#result + 1] = value
    else
      expired[#expired + 1] = members[i]
    end
  end
end
for first = 1, #expired, BATCH do
  redis.call("HDEL", KEYS[1], unpack(expired, first, math.min(first + BATCH - 1, #expired)))
end
return result
