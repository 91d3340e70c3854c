--[[
  Frees a holder's slot, or takes a waiter out of the queue: compare-and-delete by token, so a
  release never frees another holder's slot. Announces the free slot on the channel, which
  wakes the waiters.

  KEYS[1] holders, KEYS[2] info, KEYS[3] queue, KEYS[4] waiters (see acquireResource-5.lua)
  ARGV[1] token
  ARGV[2] channel to announce on

  Returns 1 when the token held a slot, else 0.
]]
local held = redis.call("ZREM", KEYS[1], ARGV[1])
redis.call("HDEL", KEYS[2], ARGV[1], "w:" .. ARGV[1])
local waited = redis.call("ZREM", KEYS[3], ARGV[1])
redis.call("ZREM", KEYS[4], ARGV[1])
if held == 1 or waited == 1 then redis.call("PUBLISH", ARGV[2], ARGV[1]) end
return held
