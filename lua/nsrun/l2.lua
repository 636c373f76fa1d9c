-- nsrun.l2: the lab's layer-2 segments.  Interfaces joined by a veth pair
-- or by a bridge are one segment (one broadcast domain, one subnet).
-- Interfaces are looked up by node, then name (put/get), without making a
-- key string for each.
-- Pure Lua over the lab's graph: nodes, links, bridges; and the static
-- neighbour entries of each segment (lab:static_arp).
local util = require "nsrun.util"
local class = require "nsrun.class"

local M = {}

-- segments(lab) -> list of { ifs = { {node=, ifname=, port=, bridge=}, ... },
-- bridge = br|nil, bridges = { br, ... } }: one segment for each set of
-- bridges joined by veth pairs (the bridges, then each link's two ends in
-- the order the lab made the links; port = true on a bridge's or a bond's port,
-- bridge = br on the bridge's own interface), then one segment for each
-- veth pair not on a bridge, in the order the lab made them.
function M.segments(lab)
  -- bridges linked to bridges (switch to switch) are one segment: each
  -- bridge's segment is its root's (union-find)
  local up = {}
  local function root(br)
    while up[br] do br = up[br] end
    return br
  end
  for _, l in ipairs(lab.links) do
    if l.bridge_a then
      local x, y = root(l.bridge_a), root(l.bridge)
      if x ~= y then up[y] = x end
    end
  end
  local segs, of = {}, {}
  for _, br in ipairs(lab.bridges) do
    local r = root(br)
    local seg = of[r]
    if not seg then
      seg = { ifs = {}, bridge = r, bridges = {} }
      segs[#segs + 1] = seg
      of[r] = seg
    end
    seg.bridges[#seg.bridges + 1] = br
    seg.ifs[#seg.ifs + 1] = { node = br.node, ifname = br.name, bridge = br }
  end
  -- a bridge's port, or a bond's (node.masters, a device of node:dev's):
  -- no address of its own
  local function port(node, ifname, bridge)
    if bridge then return true end
    local m = node.masters and node.ifaces[node.masters[ifname]]
    return type(m) == "table" and m.type == "bond" or nil
  end
  for _, l in ipairs(lab.links) do
    local a = { node = l.a.node, ifname = l.a.name, port = port(l.a.node, l.a.name, l.bridge_a) }
    local b = { node = l.b.node, ifname = l.b.name, port = port(l.b.node, l.b.name, l.bridge) }
    local seg = l.bridge and of[root(l.bridge)]
    if seg then
      seg.ifs[#seg.ifs + 1] = a
      seg.ifs[#seg.ifs + 1] = b
    else
      segs[#segs + 1] = { ifs = { a, b } }
    end
  end
  return segs
end

-- set[node][ifname] = v, making set[node] when needed
function M.put(set, node, ifname, v)
  local t = set[node]
  if not t then t = {}; set[node] = t end
  t[ifname] = v
end

-- set[node][ifname], or nil
function M.get(set, node, ifname)
  local t = set[node]
  return t and t[ifname]
end

-- A segment is point-to-point when it is two routers on one veth pair.
function M.is_p2p(seg)
  return #seg.ifs == 2 and not seg.bridge and seg.ifs[1].node.role == "router"
    and seg.ifs[2].node.role == "router" and not seg.ifs[1].port and not seg.ifs[2].port
end

-- lab:static_arp() -> n: permanent neighbour entries (ARP for IPv4, NDP for
-- IPv6) between every two addressed interfaces of each segment, as
-- Mininet's --arp (staticArp) makes: no address is resolved on the wire.
-- After the addresses; returns how many entries it made.
function class.Lab:static_arp()
  class.alive(self)
  if self.plan or self.dry then return 0 end
  self:neighbours()
  local has = {}   -- has[node][ifname] = { "192.0.2.1", ... }
  for _, node in ipairs(self.order) do
    for _, a in ipairs(node.addrs) do
      local list = M.get(has, node, a.ifname)
      if not list then list = {}; M.put(has, node, a.ifname, list) end
      list[#list + 1] = a.cidr:match("^[^/]+")
    end
  end
  local macs = {}  -- macs[node][ifname], read once per node
  local function mac(node, ifname)
    if not macs[node] then
      macs[node] = {}
      for _, l in ipairs(util.check_for(node, node.ns:links())) do macs[node][l.name] = l.mac end
    end
    return macs[node][ifname]
  end
  local n = 0
  for _, seg in ipairs(M.segments(self)) do
    local members = {}
    for _, i in ipairs(seg.ifs) do
      local list = M.get(has, i.node, i.ifname)
      if list and not i.port then
        members[#members + 1] = { node = i.node, ifname = i.ifname, addrs = list, mac = mac(i.node, i.ifname) }
      end
    end
    for _, x in ipairs(members) do
      for _, y in ipairs(members) do
        if x.node ~= y.node and y.mac then
          for _, a in ipairs(y.addrs) do
            util.check_for(x.node, x.node.ns:neigh(x.ifname, a, y.mac))
            n = n + 1
          end
        end
      end
    end
  end
  return n
end

return M
