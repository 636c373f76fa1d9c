-- nsrun.ip4: IPv4 prefixes as integers, and pools that hand out aligned
-- blocks.  Pure Lua: the address plan is computed and tested without root.
local M = {}

-- parse("10.1.0.0/16") -> 167837696, 16 (len 32 when absent); nil, why
function M.parse(s)
  local a, b, c, d, len = s:match("^(%d+)%.(%d+)%.(%d+)%.(%d+)/?(%d*)$")
  if not a then return nil, ("%q is not an IPv4 prefix"):format(s) end
  a, b, c, d = tonumber(a), tonumber(b), tonumber(c), tonumber(d)
  if a > 255 or b > 255 or c > 255 or d > 255 then
    return nil, ("%q is not an IPv4 prefix"):format(s)
  end
  local n = ((a * 256 + b) * 256 + c) * 256 + d
  len = len == "" and 32 or tonumber(len)
  if len > 32 then return nil, ("%q: prefix length is not 0..32"):format(s) end
  return n, len
end

function M.ntoa(n)
  return ("%d.%d.%d.%d"):format(n >> 24 & 255, n >> 16 & 255, n >> 8 & 255, n & 255)
end

function M.format(n, len) return M.ntoa(n) .. "/" .. len end

function M.size(len) return 1 << (32 - len) end

-- the network of n/len
function M.network(n, len) return n & ~(M.size(len) - 1) & 0xffffffff end

-- do a/alen and b/blen overlap?
function M.overlap(a, alen, b, blen)
  local len = math.min(alen, blen)
  return M.network(a, len) == M.network(b, len)
end

local Pool = {}
Pool.__index = Pool

-- pool("10.0.0.0/16") hands out blocks in order, each aligned to its size.
function M.pool(cidr, what)
  local n, len = M.parse(cidr)
  if not n then return nil, len end
  if M.network(n, len) ~= n then return nil, ("%s: host bits set"):format(cidr) end
  return setmetatable({ cidr = cidr, what = what or cidr, base = n, len = len,
    next = n, limit = n + M.size(len), used = {} }, Pool)
end

-- pool:take(len, taken) -> network (an integer), skipping blocks for which
-- taken(net, len) is true (addresses the user gave); nil, why when full.
function Pool:take(len, taken)
  local size = M.size(len)
  local n = (self.next + size - 1) // size * size
  while n + size <= self.limit do
    if not (taken and taken(n, len)) then
      self.next = n + size
      return n
    end
    n = n + size
  end
  return nil, ("the %s pool %s is full (more /%d blocks than it holds)"):format(self.what, self.cidr, len)
end

return M
