--[[
  Deletes every node key listed in a task's index, then the index, with UNLINK in batches.
  Idempotent: a second call finds no index and removes nothing. An index key of another type
  (corrupt or foreign) is unlinked too; the caller then finds the node keys by SCAN.

  KEYS[1] task index key (sorted set: task name -> status code)
  KEYS[2] task owner key (removed with the task)
  KEYS[3] task event stream (removed with the task)
  KEYS[4] task pipeline set (removed with the task)
  ARGV[1] the task's node key prefix (`{task_id}:node:`)
  ARGV[2] optional node name and ARGV[3] attempt (a job id): delete only while that node is still
          PENDING in that attempt (nothing ran it), so undoing a failed start removes neither a
          task that a later create of the same id has taken over nor one whose job ran after all.
  Returns {node keys removed, 1 if the index was not a sorted set else 0}, or {-1, 0} when the
  node was not pending in that attempt (nothing removed).
]]
local BATCH = 500
if ARGV[3] and ARGV[3] ~= "" then
  local ok, decoded = pcall(cjson.decode, redis.call("GET", ARGV[1] .. ARGV[2]) or "")
  local stage = ok and type(decoded) == "table" and type(decoded.stages) == "table" and decoded.stages[ARGV[2]]
  if type(stage) ~= "table" or stage.job_id ~= ARGV[3] or stage.status ~= "PENDING" then return {-1, 0} end
end
redis.call("UNLINK", KEYS[2], KEYS[3], KEYS[4])
local indexType = redis.call("TYPE", KEYS[1]).ok
if indexType ~= "zset" then
  redis.call("UNLINK", KEYS[1])
  return {0, indexType == "none" and 0 or 1}
end
local names = redis.call("ZRANGE", KEYS[1], 0, -1)
local removed = 0
for first = 1, #names, BATCH do
  local keys = {}
  for i = first, math.min(first + BATCH - 1, #names) do keys[#keys + 1] = ARGV[1] .. names[i] end
  removed = removed + redis.call("UNLINK", unpack(keys))
end
redis.call("UNLINK", KEYS[1])
return {removed, 0}
