--[[
  Publishes (or refreshes) a worker's registrations and drops every expired one.

  KEYS[1] registry heartbeats (sorted set: "<task_name> <worker_id>" scored by expiry, ms)
  KEYS[2] registry nodes (hash: task name -> JSON description)
  ARGV[1] now (ms)
  ARGV[2] expiry (ms)
  ARGV[3] worker id
  ARGV[4..] pairs of task name, JSON description

  Returns the number of registrations written.
]]
redis.call("ZREMRANGEBYSCORE", KEYS[1], "-inf", ARGV[1])
local written = 0
for i = 4, #ARGV, 2 do
  redis.call("ZADD", KEYS[1], ARGV[2], ARGV[i] .. " " .. ARGV[3])
  redis.call("HSET", KEYS[2], ARGV[i], ARGV[i + 1])
  written = written + 1
end
return written
