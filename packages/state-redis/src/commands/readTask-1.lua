--[[
  Reads every node view of a task through its index, in one round trip. Used where the native
  read (`SORT_RO ... GET`) is refused: on a Redis 7 Cluster, a Redis before 7.0, or by an ACL.
  Members that could not be fetched are settled as pruneNodes-1.lua does: removed when their key
  expired, reported when it holds another type.

  All node keys of a task share the index key's hash slot in the hash-tag layout, so this also
  runs on a Redis Cluster.

  KEYS[1] task index key (sorted set: task name -> status code)
  ARGV[1] the task's node key prefix (`{task_id}:node:`)
  Returns {{task_name_1, value_1, ...}, {foreign_task_name_1, type_1, ...}}, or the error
  CORRUPT_INDEX when the index key holds another type.
]]
local BATCH = 500
-- One call both lists the nodes and checks that the index is a sorted set (a missing key lists none).
local names = redis.pcall("ZRANGE", KEYS[1], 0, -1)
if names.err then
  return redis.error_reply("CORRUPT_INDEX " .. KEYS[1] .. " is not a sorted set: " .. names.err)
end
local found = {}
local foreign = {}
for first = 1, #names, BATCH do
  local last = math.min(first + BATCH - 1, #names)
  local keys = {}
  for i = first, last do keys[#keys + 1] = ARGV[1] .. names[i] end
  local values = redis.call("MGET", unpack(keys))
  for i = first, last do
    local value = values[i - first + 1]
    if value then
      found[#found + 1] = names[i]
      found[#found + 1] = value
    else
      local keyType = redis.call("TYPE", keys[i - first + 1]).ok
      if keyType == "none" then
        redis.call("ZREM", KEYS[1], names[i])
      else
        foreign[#foreign + 1] = names[i]
        foreign[#foreign + 1] = keyType
      end
    end
  end
end
return {found, foreign}
