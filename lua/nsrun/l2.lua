-- nsrun.l2: the lab's layer-2 segments.  Interfaces joined by a veth pair
-- or by a bridge are one segment (one broadcast domain, one subnet).
-- Interfaces are looked up by node, then name (put/get), without making a
-- key string for each.
-- Pure Lua over the lab's graph: nodes, links, bridges.
local M = {}

-- segments(lab) -> list of { ifs = { {node=, ifname=}, ... }, bridge = br|nil }:
-- a bridge's segment (the bridge, then each port and its other end, in the
-- order the lab made the links) for each bridge, then one segment for each
-- veth pair not on a bridge, in the order the lab made them.
function M.segments(lab)
  local segs, of = {}, {}
  for _, br in ipairs(lab.bridges) do
    local seg = { ifs = { { node = br.node, ifname = br.name } }, bridge = br }
    segs[#segs + 1] = seg
    of[br] = seg
  end
  for _, l in ipairs(lab.links) do
    local a, b = { node = l.a.node, ifname = l.a.name }, { node = l.b.node, ifname = l.b.name }
    local seg = l.bridge and of[l.bridge]
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
    and seg.ifs[2].node.role == "router"
end

return M
