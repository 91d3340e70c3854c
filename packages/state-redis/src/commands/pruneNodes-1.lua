--[[
  Removes from a task's index the nodes whose key has expired. A native read found them
  missing; they are checked again here because a writer may have recreated one since.

  KEYS[1] task index key (sorted set: task name -> status code)
  ARGV[1] the task's node key prefix (`{task_id}:node:`)
  ARGV[2..] task names the read found missing
  Returns how many members were removed.
]]
local removed = 0
for i = 2, #ARGV do
  if redis.call("EXISTS", ARGV[1] .. ARGV[i]) == 0 then
    removed = removed + redis.call("ZREM", KEYS[1], ARGV[i])
  end
end
return removed
