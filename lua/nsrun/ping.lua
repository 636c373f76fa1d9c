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

-- pingall(nodes) -> { pairs = n, failed = { {src, dst, addr}, ... } }
function M.pingall(nodes)
  local res = { pairs = 0, failed = {} }
  for _, a in ipairs(nodes) do
    for _, b in ipairs(nodes) do
      if a ~= b then
        res.pairs = res.pairs + 1
        if not M.ping(a, b) then
          res.failed[#res.failed + 1] = { src = a.name, dst = b.name, addr = target(b) }
        end
      end
    end
  end
  res.ok = #res.failed == 0
  return res
end

return M
