--[[
  Writes one node's view and records it in the task's index, atomically.

  The index is a sorted set: member = task name, score = the node's status code (-1 no stage,
  0 PENDING, 1 IN_PROGRESS, 2 SUCCESS, 3 FAILED, 4 CANCELLED: STATUS_CODES in index.ts). It
  lets reads find a task's nodes without SCAN (a native `SORT ... GET`) and lets this script
  enforce the status rule without decoding JSON.

  The monotonic rule: a node's status only moves forward,
    PENDING -> IN_PROGRESS -> SUCCESS | FAILED | CANCELLED (final).
  A write whose status ranks below the stored one is refused, and a final status is only
  replaced by the same status (an update of a finished node, e.g. its callback outcome).
  A write that starts a new attempt (retry / re-run) replaces anything.
  A node that does not exist (never written, or expired) never blocks a write.

  Every write also appends an event (ARGV[5]) to the task's event stream when the stream exists,
  so that a reader of the stream (the events route, on any gateway) sees every state change once,
  in order. The stream is created by the first reader (openEvents-2.lua): a task nobody follows
  keeps no stream, which would cost it a 4 KB stream node.

  Every write runs this script, so its common path is kept to four calls (ZSCORE, SET, EXISTS or
  XADD, TTL; ZADD too when the status changes) and its arguments to the few it needs.

  KEYS[1] node key
  KEYS[2] task index key (sorted set: task name -> status code)
  KEYS[3] task owner key (string: the team the task belongs to; expires with the index)
  KEYS[4] task event stream (capped at about 1000 entries; expires with the index; appended to
          only once a reader has created it)
  KEYS[5..] optional task listings (sorted sets: task id -> creation time in ms), given only on
          a write that starts an attempt and only when they share a server with the task (not
          on a Cluster: there the store updates them right after); the task is added once (NX),
          entries older than the TTL and beyond ARGV[11] newest are trimmed.
  ARGV[1] encoded node view (JSON)
  ARGV[2] TTL in seconds
  ARGV[3] task name (the index member, and the stage to compare)
  ARGV[4] new status code
  ARGV[5] the event of this write (JSON; empty: none, for a view without its stage)
  ARGV[6] optional mode:
          "new-attempt"  the write starts a new attempt: no status check
          "status-json"  read the stored status from the node's JSON instead of the index, for
                         keys that writers without an index may also write (scan read strategy)
          anything else: the index check
  ARGV[7] optional attempt token (a job id): the write belongs to that attempt of the node, and
          is refused with SUPERSEDED (-2) unless the stored node exists and its stage carries
          `"job_id":"<token>"`. So a deleted task stays deleted and a replaced attempt cannot
          write over the one that replaced it.
  ARGV[8] optional owner (a team): the write is refused with NOT_OWNER (-3) when the task belongs
          to another team; the first write of a task records its owner, atomically with its node.

  ARGV[9], ARGV[10], ARGV[11] with KEYS[5..]: the task id, the time now (ms), the listing's bound.
  ARGV[12] optional run (with ARGV[7]): `<take>.<random>`, one run of the attempt by one worker,
          `<take>` the job's BullMQ take count (it grows each time a worker takes the job, e.g.
          after its worker was lost). The stage records it as `run_id`. A write of another run
          than the stored one is refused with SUPERSEDED, so a worker that lost its job (cut off
          longer than the job's lock) cannot write over the worker that took it over; except
          ARGV[13] = "claim" (a run's first write), which takes the node over from an earlier take.

  Returns WRITTEN (-1) when written, SUPERSEDED (-2), the stored status code when that refuses
  the write, or the
  error CORRUPT_INDEX when the index key holds another type (nothing is written then).
  The body runs on every call, so the common path creates no tables or functions.
]]
local WRITTEN = -1
local SUPERSEDED = -2
local NOT_OWNER = -3
local ttl = tonumber(ARGV[2])
local incoming = tonumber(ARGV[4])
local mode = ARGV[6]

local token = ARGV[7]
if token and token ~= "" then
  local current = redis.call("GET", KEYS[1])
  if not current or not string.find(current, '"job_id":"' .. token .. '"', 1, true) then return SUPERSEDED end
  local run = ARGV[12]
  if run and run ~= "" then
    local ok, decoded = pcall(cjson.decode, current)
    local stage = ok and type(decoded) == "table" and type(decoded.stages) == "table" and decoded.stages[ARGV[3]]
    local owning = type(stage) == "table" and stage.run_id
    if type(owning) == "string" and owning ~= run then
      if ARGV[13] ~= "claim" then return SUPERSEDED end
      local mine = tonumber(string.match(run, "^(%d+)%."))
      local theirs = tonumber(string.match(owning, "^(%d+)%."))
      if not mine or (theirs and theirs >= mine) then return SUPERSEDED end
    end
  end
end

local owner = ARGV[8]
local claimOwner = false
if owner and owner ~= "" then
  local current = redis.call("GET", KEYS[3])
  if current and current ~= owner then return NOT_OWNER end
  claimOwner = not current
end

-- One call both reads the indexed status and checks that the index is a sorted set.
local indexed = redis.pcall("ZSCORE", KEYS[2], ARGV[3])
if type(indexed) == "table" then
  return redis.error_reply("CORRUPT_INDEX " .. KEYS[2] .. " is not a sorted set: " .. tostring(indexed.err))
end
indexed = tonumber(indexed)

local stored = indexed
if mode == "new-attempt" then
  stored = nil
elseif mode == "status-json" then
  stored = nil
  local ok, decoded = pcall(cjson.decode, redis.call("GET", KEYS[1]) or "")
  local stage = ok and type(decoded) == "table" and type(decoded.stages) == "table" and decoded.stages[ARGV[3]]
  if type(stage) == "table" and type(stage.status) == "string" then
    -- Canonical spellings, and those that writers without the store may have left.
    local codes = { PENDING = 0, IN_PROGRESS = 1, RUNNING = 1, SUCCESS = 2, COMPLETED = 2, FAILED = 3,
      FAILURE = 3, CANCELLED = 4, CANCELED = 4 }
    stored = codes[string.upper(stage.status)]
  end
end

-- The rule: a final status (>= 2) only takes itself; IN_PROGRESS (1) refuses anything lower.
if stored and ((stored >= 2 and incoming ~= stored) or (stored == 1 and incoming < 1)) then
  -- An index entry outlives an expired node, and only a live node's status counts. Checked
  -- only here, on the rare refusal, to keep the common path short.
  if mode == "status-json" or redis.call("EXISTS", KEYS[1]) == 1 then return stored end
end

redis.call("SET", KEYS[1], ARGV[1], "EX", ttl)
if indexed ~= incoming then
  redis.call("ZADD", KEYS[2], incoming, ARGV[3])
end
-- A write that leaves a final status as it was is no change to report (a worker confirming the
-- gateway's CANCELLED), unless it records the callback's outcome (events start {"type":"callback").
local unchangedFinal = indexed == incoming and incoming >= 2 and string.sub(ARGV[5], 1, 18) ~= '{"type":"callback"'
if ARGV[5] ~= "" and not unchangedFinal and redis.call("EXISTS", KEYS[4]) == 1 then
  redis.call("XADD", KEYS[4], "MAXLEN", "~", 1000, "*", "e", ARGV[5])
end
-- The index must outlive its newest node: its expiry is extended, never shortened. It is
-- extended past the node's by a margin (10% of the TTL, at most an hour), so that a node writing
-- progress every second extends it once per margin rather than on every write. An index that
-- outlives its nodes by that margin is harmless: reads prune it, deletes remove it.
local keep = ttl + math.min(math.ceil(ttl / 10), 3600)
if redis.call("TTL", KEYS[2]) < ttl then
  redis.call("EXPIRE", KEYS[2], keep)
  -- The owner and the events live exactly as long as the index: extended with it.
  if not claimOwner then redis.call("EXPIRE", KEYS[3], keep) end
  redis.call("EXPIRE", KEYS[4], keep)
end
if claimOwner then redis.call("SET", KEYS[3], owner, "EX", redis.call("TTL", KEYS[2])) end
if #KEYS > 4 then
  local now = tonumber(ARGV[10])
  for i = 5, #KEYS do
    redis.call("ZADD", KEYS[i], "NX", now, ARGV[9])
    redis.call("ZREMRANGEBYSCORE", KEYS[i], "-inf", now - keep * 1000)
    redis.call("ZREMRANGEBYRANK", KEYS[i], 0, -(tonumber(ARGV[11]) + 1))
    redis.call("EXPIRE", KEYS[i], keep)
  end
end
return WRITTEN
