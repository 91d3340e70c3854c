--[[
  The next step of a task's pipeline, decided from the task's index alone (no node JSON is read).

  The pipeline hash lists each node submitted in a pipeline: field = task name, value =
  "<job id> <dependency> <dependency> ..." (space-separated; names and ids have no spaces). The
  index gives every node's status code (0 PENDING, 1 IN_PROGRESS, 2 SUCCESS, 3 FAILED,
  4 CANCELLED; none: gone). A node waits when it is PENDING and has dependencies:
    ready   when every dependency is SUCCESS: its job is due to be released;
    doomed  when a dependency is FAILED, CANCELLED, gone, or doomed itself (spread to a fixpoint):
            it is due to end CANCELLED with "not run: <dependency> failed|cancelled|is gone".

  KEYS[1] task pipeline hash
  KEYS[2] task index (sorted set: task name -> status code)
  ARGV[1] optional: a task name whose status code to report (the caller's own node)
  Returns false when the task has no pipeline, else
    {final (1 when no node is PENDING or IN_PROGRESS), own status code or -1,
     {kind ("ready"|"doomed"), task name, job id, reason ("" when ready)}, ...}
]]
local entries = redis.call("HGETALL", KEYS[1])
if #entries == 0 then return false end
local codes = {}
local function code(name)
  local known = codes[name]
  if known == nil then
    known = tonumber(redis.call("ZSCORE", KEYS[2], name)) or -1
    codes[name] = known
  end
  return known
end

local waiting = {}
for i = 1, #entries, 2 do
  local words = {}
  for word in string.gmatch(entries[i + 1], "%S+") do words[#words + 1] = word end
  if #words > 1 and code(entries[i]) == 0 then
    local node = { name = entries[i], job = words[1], deps = {} }
    for j = 2, #words do node.deps[#node.deps + 1] = words[j] end
    waiting[#waiting + 1] = node
  end
end

local WHY = { [3] = "failed", [4] = "cancelled", [-1] = "is gone" }
local doomed = {}
local changed = true
while changed do
  changed = false
  for _, node in ipairs(waiting) do
    if not doomed[node.name] then
      for _, dep in ipairs(node.deps) do
        local why = doomed[dep] and "cancelled" or WHY[code(dep)]
        if why then
          doomed[node.name] = "not run: " .. dep .. " " .. why
          changed = true
          break
        end
      end
    end
  end
end

local steps = {}
for _, node in ipairs(waiting) do
  if doomed[node.name] then
    steps[#steps + 1] = { "doomed", node.name, node.job, doomed[node.name] }
  else
    local ready = true
    for _, dep in ipairs(node.deps) do
      if code(dep) ~= 2 then ready = false break end
    end
    if ready then steps[#steps + 1] = { "ready", node.name, node.job, "" } end
  end
end
local active = redis.call("ZRANGEBYSCORE", KEYS[2], 0, 1, "LIMIT", 0, 1)
local own = -1
if ARGV[1] and ARGV[1] ~= "" then own = code(ARGV[1]) end
return { #active == 0 and 1 or 0, own, steps }
