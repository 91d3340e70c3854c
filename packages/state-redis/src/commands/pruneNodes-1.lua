--[[
  Settles the index members that a read could not fetch: a member whose node key no longer
  exists (it expired) is removed from the index; a key that exists with another type (a foreign
  value) is kept, so that a delete still removes it, and returned. Keys are checked again here
  because a writer may have recreated one since the read.

  KEYS[1] task index key (sorted set: task name -> status code)
  ARGV[1] the task's node key prefix (`{task_id}:node:`)
  ARGV[2..] task names the read could not fetch
  Returns {task_name_1, type_1, ...} of the members whose key holds another type.
]]
local foreign = {}
for i = 2, #ARGV do
  local keyType = redis.call("TYPE", ARGV[1] .. ARGV[i]).ok
  if keyType == "none" then
    redis.call("ZREM", KEYS[1], ARGV[i])
  elseif keyType ~= "string" then
    foreign[#foreign + 1] = ARGV[i]
    foreign[#foreign + 1] = keyType
  end
end
return foreign
