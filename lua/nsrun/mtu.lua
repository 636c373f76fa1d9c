-- nsrun.mtu: which link of a path is too small for a packet, and the
-- lab's segments whose interfaces disagree on their MTU (a veth or a
-- bridge port drops, without a word, a frame above its own MTU: the
-- classic lab bug of a 9000-byte fabric behind one 1500-byte port).
local util = require "nsrun.util"
local l2 = require "nsrun.l2"
local diagnose = require "nsrun.diagnose"

local M = {}

-- the MTU of each interface of node, as the kernel has them, read once per
-- cache
local function mtus(node, cache)
  local t = cache[node]
  if not t then
    t = {}
    for _, l in ipairs(node.ns:links() or {}) do t[l.name] = l.mtu end
    cache[node] = t
  end
  return t
end

-- the other end of link from node's side
local function other(link, node, ifname)
  if link.a.node == node and link.a.name == ifname then return link.b end
  return link.a
end

-- the interfaces a packet crosses on one step of a walk (diagnose.walk):
-- out of node's dev, through a bridge's two ports if the link is bridged,
-- into the next node's ifname; as { node, ifname } each
local function crossed(step)
  local list = { { step.node, step.dev } }
  local out = step.node.ifaces[step.dev]
  local into = step.to.ifaces[step.ifname]
  if getmetatable(out) and out.bridge then
    local p = other(out, step.node, step.dev)
    list[#list + 1] = { p.node, p.name }
  end
  if getmetatable(into) and into.bridge and into ~= out then
    local p = other(into, step.to, step.ifname)
    list[#list + 1] = { p.node, p.name }
  end
  list[#list + 1] = { step.to, step.ifname }
  return list
end

-- the first interface of a walk's steps whose MTU is below bytes:
-- node, ifname, mtu
local function first_small(steps, bytes, cache)
  for _, step in ipairs(steps) do
    for _, x in ipairs(crossed(step)) do
      local m = mtus(x[1], cache)[x[2]]
      if m and m < bytes then return x[1], x[2], m end
    end
  end
end

-- too_small(lab, src, addr, bytes) -> a sentence naming the interface,
-- and its link, whose MTU is below a packet of bytes on the way from src
-- to addr or back, and a break ({ node =, dev =, what = }); nil when none is
function M.too_small(lab, src, addr, bytes)
  local owner, cache = diagnose.owners(lab), {}
  addr = diagnose.canon(addr)
  local _, _, _, _, steps = diagnose.walk(lab, src, addr, owner)
  local node, ifname, mtu = first_small(steps or {}, bytes, cache)
  local way = ""
  if not node and owner[addr] then
    local back = src:ip(addr:find(":", 1, true) and 6 or 4)
    if back then
      _, _, _, _, steps = diagnose.walk(lab, owner[addr], back, owner, addr)
      node, ifname, mtu = first_small(steps or {}, bytes, cache)
      way = " on the way back"
    end
  end
  if not node then return nil end
  local link = node.ifaces[ifname]
  local what = getmetatable(link) and link.a and (" (%s)"):format(tostring(link)) or ""
  return ("%s:%s has MTU %d, below the %d-byte packet%s%s"):format(node.name, ifname, mtu, bytes, way, what),
    { node = node.name, dev = ifname, what = ("MTU %d"):format(mtu) }
end

-- check(lab): a warning on stderr for each segment (a veth pair, or a
-- bridge and its links) whose interfaces' MTUs differ.  Only segments with
-- an interface whose MTU the script set are read from the kernel (the
-- others are all at the kernel's default).
function M.check(lab)
  if lab.dry or lab.plan or lab.mtu_checked == #lab.links then return end
  lab.mtu_checked = #lab.links
  local set = false
  for _, node in ipairs(lab.order) do set = set or node.mtu_set end
  for _, br in ipairs(lab.bridges) do set = set or br.mtu_set end
  if not set then return end
  local cache = {}
  for _, seg in ipairs(l2.segments(lab)) do
    local touched = false
    for _, i in ipairs(seg.ifs) do touched = touched or i.node.mtu_set or (i.bridge and i.bridge.mtu_set) end
    if touched then
      local seen, list, lo, hi = {}, {}, math.huge, 0
      for _, i in ipairs(seg.ifs) do
        if not i.bridge then
          local m = mtus(i.node, cache)[i.ifname]
          if m then
            list[#list + 1] = ("%s:%s %d"):format(i.node.name, i.ifname, m)
            lo, hi = math.min(lo, m), math.max(hi, m)
            seen[m] = true
          end
        end
      end
      if hi > lo then
        util.eprintf("nsrun: warning: lab %s: MTUs differ on one segment: %s (a frame above %d bytes "
          .. "is dropped without a word where the MTU is %d)\n", lab.name, table.concat(list, ", "), lo, lo)
      end
    end
  end
end

return M
