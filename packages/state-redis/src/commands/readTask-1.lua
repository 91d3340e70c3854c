--[[
  Reads every node view of a task through its index, in one round trip, and prunes index
  members whose node key has expired. Used where the native read (`SORT ... GET`) is refused:
  on a Redis Cluster before Redis 7.2, or a server without SORT_RO.

  All node keys of a task share the index key's hash slot in the hash-tag layout, so this also
  runs on a Redis Cluster.

  KEYS[1] task index key (sorted set: task name -> status code)
  ARGV[1] the task's node key prefix (`{task_id}:node:`)
  Returns a flat array {task_name_1, value_1, task_name_2, value_2, ...} of the nodes that
  exist, or the error CORRUPT_INDEX when the index key holds another type.
]]
local BATCH = 500
-- One call both lists the nodes and checks that the index is a sorted set (a missing key lists none).
local names = redis.pcall("ZRANGE", KEYS[1], 0, -1)
if names.err then
  return redis.error_reply("CORRUPT_INDEX " .. KEYS[1] .. " is not a sorted set: " .. names.err)
end
local result = {}
local expired = {}
for first = 1, #names, BATCH do
  local last = math.min(first + BATCH - 1, #names)
  local keys = {}
  for i = first, last do keys[#keys + 1] = ARGV[1] .. names[i] end
  local values = redis.call("MGET", unpack(keys))
  for i = first, last do
    local value = values[i - first + 1]
    if value then
      result[#result + 1] = names[i]
      result[#result + 1] = value
    else
      expired[#expired + 1] = names[i]
    end
  end
end
for first = 1, #expired, BATCH do
  redis.call("ZREM", KEYS[1], unpack(expired, first, math.min(first + BATCH - 1, #expired)))
end
return result
