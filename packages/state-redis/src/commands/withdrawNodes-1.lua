--[[
  Withdraws a worker's registrations (on a clean shutdown).

  KEYS[1] registry heartbeats (sorted set: "<task_name> <worker_id>" scored by expiry, ms)
  ARGV[1] worker id
  ARGV[2..] task names

  Returns the number of registrations removed.
]]
local removed = 0
for i = 2, #ARGV do
  removed = removed + redis.call("ZREM", KEYS[1], ARGV[i] .. " " .. ARGV[1])
end
return removed
