--[[
  Writes one node's view and records it in the task's index, atomically.

  The monotonic rule: a node's status only moves forward,
    PENDING (0) -> IN_PROGRESS (1) -> SUCCESS | FAILED | CANCELLED (2, terminal).
  A write whose status ranks below the stored one is refused, and a terminal status is only
  replaced by the same status (an update of a finished node, e.g. its callback outcome).
  A write that starts a new attempt (retry / re-run) replaces anything.
  A missing, unparsable or stage-less stored value never blocks a write.

  KEYS[1] node key
  KEYS[2] task index key (set of node keys)
  ARGV[1] encoded node view (JSON)
  ARGV[2] TTL in seconds
  ARGV[3] task name (the stage to compare)
  ARGV[4] new stage status ("" when the view carries no stage)
  ARGV[5] "1" when the write starts a new attempt

  Returns {1} when written, {0, stored_status} when refused.
]]
local RANK = {
  PENDING = 0, IN_PROGRESS = 1, RUNNING = 1,
  SUCCESS = 2, COMPLETED = 2, FAILED = 2, FAILURE = 2, CANCELLED = 2, CANCELED = 2,
}
local ttl = tonumber(ARGV[2])

local function storedStatus(raw)
  if not raw then return nil end
  local ok, decoded = pcall(cjson.decode, raw)
  if not ok or type(decoded) ~= "table" or type(decoded.stages) ~= "table" then return nil end
  local stage = decoded.stages[ARGV[3]]
  if type(stage) ~= "table" or type(stage.status) ~= "string" then return nil end
  local status = string.upper(stage.status)
  if RANK[status] == nil then return nil end
  return status
end

if ARGV[5] ~= "1" then
  local current = storedStatus(redis.call("GET", KEYS[1]))
  if current then
    local incoming = string.upper(ARGV[4])
    local currentRank = RANK[current]
    local incomingRank = RANK[incoming] or 0
    if currentRank == 2 then
      if incoming ~= current then return {0, current} end
    elseif incomingRank < currentRank then
      return {0, current}
    end
  end
end

redis.call("SET", KEYS[1], ARGV[1], "EX", ttl)
redis.call("SADD", KEYS[2], KEYS[1])
-- The index must outlive its newest node: extend, never shorten, its expiry.
if redis.call("TTL", KEYS[2]) < ttl then
  redis.call("EXPIRE", KEYS[2], ttl)
end
return {1}
