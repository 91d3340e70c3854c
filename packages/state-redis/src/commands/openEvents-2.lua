--[[
  Starts recording a task's events, unless it already is, and returns where a reader starts.

  A task's event stream exists only once someone follows the task: Redis gives every new stream
  a 4 KB node (stream-node-max-bytes), four times the rest of a task's state, so tasks that
  nobody follows keep none. Writes append their event only to a stream that exists
  (writeNode.lua); this script creates it with one marker entry (field `open`, which readers
  skip) that expires with the task's index. A reader opens the stream, then reads the task:
  every change after the open is in the stream.

  KEYS[1] task index key (the task exists while it does; a deleted task gets no stream)
  KEYS[2] task event stream
  Returns the id of the stream's newest entry, or false when the task does not exist.
]]
local ttl = redis.call("PTTL", KEYS[1])
if ttl == -2 then return false end
local newest = redis.call("XREVRANGE", KEYS[2], "+", "-", "COUNT", 1)[1]
if newest then return newest[1] end
local id = redis.call("XADD", KEYS[2], "MAXLEN", "~", 1000, "*", "open", "1")
if ttl > 0 then redis.call("PEXPIRE", KEYS[2], ttl) end
return id
