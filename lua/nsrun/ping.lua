-- nsrun.ping: reachability checks with iputils ping, one pair at a time.
-- (The native parallel prober of the harness issue replaces this.)
local util = require "nsrun.util"

local M = {}

-- The address to ping for a destination: a node's first IPv4 address,
-- or an address given as a string.
local function target(dst)
  if type(dst) == "string" then return dst end
  local ip = dst:ip(4) or dst:ip(6)
  if not ip then util.fail(("node %s has no address to ping"):format(dst.name)) end
  return ip
end

-- ping(src, dst [, timeout_s]) -> true | false: one echo, retried once (the
-- first echo after links come up can be lost to ARP).
function M.ping(src, dst, timeout)
  local addr = target(dst)
  for _ = 1, 2 do
    local r = src:exec { "ping", "-n", "-q", "-c", "1", "-W", tostring(timeout or 1), addr }
    if r.ok then return true end
  end
  return false
end

-- pingall(nodes [, { sample = n }]) -> { ok =, pairs = n, failed = { {src, dst, addr}, ... } }
-- Every ordered pair, or n pairs drawn at random (the same n pairs for the
-- same lab: the draw is seeded).
function M.pingall(nodes, opts)
  local pairs_ = {}
  local sample = opts and opts.sample
  if sample and #nodes > 1 then
    local seed = 1
    for _ = 1, sample do
      seed = (seed * 1103515245 + 12345) % 2147483648
      local a = seed % #nodes + 1
      seed = (seed * 1103515245 + 12345) % 2147483648
      local b = seed % (#nodes - 1) + 1
      if b >= a then b = b + 1 end
      pairs_[#pairs_ + 1] = { nodes[a], nodes[b] }
    end
  else
    for _, a in ipairs(nodes) do
      for _, b in ipairs(nodes) do
        if a ~= b then pairs_[#pairs_ + 1] = { a, b } end
      end
    end
  end
  local res = { pairs = #pairs_, failed = {} }
  for _, p in ipairs(pairs_) do
    if not M.ping(p[1], p[2]) then
      res.failed[#res.failed + 1] = { src = p[1].name, dst = p[2].name, addr = target(p[2]) }
    end
  end
  res.ok = #res.failed == 0
  return res
end

return M
