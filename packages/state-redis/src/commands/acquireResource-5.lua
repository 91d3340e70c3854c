--[[
  Takes a slot of a shared resource instance (a GPU) for a holder, or queues it in arrival order.

  KEYS[1] holders  (zset: token -> lease expiry, ms)
  KEYS[2] info     (hash: token -> holder JSON; "w:" .. token -> waiter JSON)
  KEYS[3] queue    (zset: token -> arrival number)
  KEYS[4] waiters  (zset: token -> expiry of the waiter's place, ms)
  KEYS[5] sequence (string counter of arrivals)
  ARGV[1] token (unique per holder)
  ARGV[2] slots of the instance
  ARGV[3] lease duration, ms
  ARGV[4] how long a waiter keeps its place without asking again, ms
  ARGV[5] holder JSON (task, node, worker)

  Time is Redis's own, so holders on every machine agree on expiry. Expired holders and waiters
  are dropped first: a holder that died loses its slot when its lease ends. The first `free`
  waiters in arrival order may take the free slots; nobody overtakes an earlier live waiter.

  Returns {1, position, now} when the token holds a slot afterwards (taken or renewed), else
  {0, position, now, earliest holder expiry}.
]]
local t = redis.call("TIME")
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local token = ARGV[1]
local slots = tonumber(ARGV[2])
local lease = tonumber(ARGV[3])

local expired = redis.call("ZRANGEBYSCORE", KEYS[1], "-inf", now)
for _, gone in ipairs(expired) do redis.call("HDEL", KEYS[2], gone) end
if #expired > 0 then redis.call("ZREMRANGEBYSCORE", KEYS[1], "-inf", now) end
local left = redis.call("ZRANGEBYSCORE", KEYS[4], "-inf", now)
for _, gone in ipairs(left) do
  redis.call("ZREM", KEYS[3], gone)
  redis.call("HDEL", KEYS[2], "w:" .. gone)
end
if #left > 0 then redis.call("ZREMRANGEBYSCORE", KEYS[4], "-inf", now) end

for i = 1, 5 do redis.call("PEXPIRE", KEYS[i], 86400000) end
if redis.call("ZSCORE", KEYS[1], token) then
  redis.call("ZADD", KEYS[1], now + lease, token)
  return {1, 0, now}
end
if not redis.call("ZSCORE", KEYS[3], token) then
  redis.call("ZADD", KEYS[3], redis.call("INCR", KEYS[5]), token)
  redis.call("HSET", KEYS[2], "w:" .. token, ARGV[5])
end
redis.call("ZADD", KEYS[4], now + tonumber(ARGV[4]), token)
local free = slots - redis.call("ZCARD", KEYS[1])
local position = redis.call("ZRANK", KEYS[3], token)
if free > 0 and position < free then
  redis.call("ZREM", KEYS[3], token)
  redis.call("ZREM", KEYS[4], token)
  redis.call("HDEL", KEYS[2], "w:" .. token)
  redis.call("ZADD", KEYS[1], now + lease, token)
  redis.call("HSET", KEYS[2], token, ARGV[5])
  return {1, position, now}
end
local first = redis.call("ZRANGE", KEYS[1], 0, 0, "WITHSCORES")
return {0, position, now, tonumber(first[2] or 0)}
