--[[
  Lists the live registrations with each node's description, dropping expired ones, and
  removes the descriptions of nodes no live worker registers any more.

  KEYS[1] registry heartbeats (sorted set: "<task_name> <worker_id>" scored by expiry, ms)
  KEYS[2] registry nodes (hash: task name -> JSON description)
  ARGV[1] now (ms)

  Returns a flat array {task_name, worker_id, description, ...}.
]]
redis.call("ZREMRANGEBYSCORE", KEYS[1], "-inf", ARGV[1])
local live = redis.call("ZRANGE", KEYS[1], 0, -1)
local result = {}
local named = {}
for _, member in ipairs(live) do
  local space = string.find(member, " ", 1, true)
  if space then
    local name = string.sub(member, 1, space - 1)
    named[name] = true
    result[#result + 1] = name
    result[#result + 1] = string.sub(member, space + 1)
    result[#result + 1] = redis.call("HGET", KEYS[2], name) or ""
  end
end
for _, name in ipairs(redis.call("HKEYS", KEYS[2])) do
  if not named[name] then redis.call("HDEL", KEYS[2], name) end
end
return result
