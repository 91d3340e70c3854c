--[[
  Writes one node's view and records it in the task's index, atomically.

  The index is a hash: field = node key, value = the node's stage status. It lets reads find a
  task's nodes without SCAN and lets this script enforce the status rule without decoding JSON.

  The monotonic rule: a node's status only moves forward,
    PENDING (0) -> IN_PROGRESS (1) -> SUCCESS | FAILED | CANCELLED (2, final).
  A write whose status ranks below the stored one is refused, and a final status is only
  replaced by the same status (an update of a finished node, e.g. its callback outcome).
  A write that starts a new attempt (retry / re-run) replaces anything.
  A node that does not exist (never written, or expired) never blocks a write.

  KEYS[1] node key
  KEYS[2] task index key (hash: node key -> stage status)
  ARGV[1] encoded node view (JSON)
  ARGV[2] TTL in seconds
  ARGV[3] task name (the stage to compare)
  ARGV[4] new stage status, canonical ("" when the view carries no stage)
  ARGV[5] "1" when the write starts a new attempt
  ARGV[6] "1" to read the stored status from the node's JSON instead of the index, for keys that
          writers without an index may also write (scan read strategy)

  Returns {1} when written, {0, stored_status} when refused, or the error CORRUPT_INDEX when
  the index key holds another type (nothing is written then).
]]
local ttl = tonumber(ARGV[2])

-- One call both reads the stored status and checks that the index is a hash.
local current = redis.pcall("HGET", KEYS[2], KEYS[1])
if type(current) == "table" and current.err then
  return redis.error_reply("CORRUPT_INDEX " .. KEYS[2] .. " is not a hash: " .. current.err)
end

if ARGV[5] ~= "1" then
  if ARGV[6] == "1" then
    current = nil
    local raw = redis.call("GET", KEYS[1])
    local ok, decoded = pcall(cjson.decode, raw or "")
    if ok and type(decoded) == "table" and type(decoded.stages) == "table" then
      local stage = decoded.stages[ARGV[3]]
      if type(stage) == "table" and type(stage.status) == "string" then
        current = string.upper(stage.status)
        -- Spellings that writers without the store may have left in a node's JSON.
        if current == "RUNNING" then current = "IN_PROGRESS"
        elseif current == "COMPLETED" then current = "SUCCESS"
        elseif current == "FAILURE" then current = "FAILED"
        elseif current == "CANCELED" then current = "CANCELLED" end
      end
    end
  elseif current and redis.call("EXISTS", KEYS[1]) == 0 then
    -- The index entry outlives an expired node; only a live node's status counts.
    current = nil
  end

  if current then
    local incoming = ARGV[4]
    if current == "SUCCESS" or current == "FAILED" or current == "CANCELLED" then
      if incoming ~= current then return {0, current} end
    elseif current == "IN_PROGRESS" and (incoming == "PENDING" or incoming == "") then
      return {0, current}
    end
  end
end

redis.call("SET", KEYS[1], ARGV[1], "EX", ttl)
redis.call("HSET", KEYS[2], KEYS[1], ARGV[4])
-- The index must outlive its newest node: extend, never shorten, its expiry.
if redis.call("TTL", KEYS[2]) < ttl then
  redis.call("EXPIRE", KEYS[2], ttl)
end
return {1}
