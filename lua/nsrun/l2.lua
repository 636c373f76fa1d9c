-- nsrun.l2: the lab's layer-2 segments.  Interfaces joined by a veth pair
-- or by a bridge are one segment (one broadcast domain, one subnet).
-- Pure Lua over the lab's graph: nodes, links, bridges.
local M = {}

local function key(node, ifname) return node.nsname .. "\0" .. ifname end

-- segments(lab) -> list of { ifs = { {node=, ifname=}, ... }, bridge = br|nil },
-- in the order the lab made its links; and the map key -> segment.
function M.segments(lab)
  local parent = {}
  local function find(k)
    while parent[k] ~= k do
      parent[k] = parent[parent[k]]
      k = parent[k]
    end
    return k
  end
  local function union(a, b)
    parent[a] = parent[a] or a
    parent[b] = parent[b] or b
    parent[find(a)] = find(b)
  end
  local ifs = {}
  local function add(node, ifname)
    local k = key(node, ifname)
    if not ifs[k] then
      ifs[k] = { node = node, ifname = ifname }
      ifs[#ifs + 1] = k
      parent[k] = parent[k] or k
    end
    return k
  end
  for _, br in ipairs(lab.bridges) do add(br.node, br.name) end
  for _, l in ipairs(lab.links) do
    local a, b = add(l.a.node, l.a.name), add(l.b.node, l.b.name)
    union(a, b)
    if l.bridge then union(b, key(l.bridge.node, l.bridge.name)) end
  end
  local segs, of = {}, {}
  for _, k in ipairs(ifs) do
    local root = find(k)
    local seg = of[root]
    if not seg then
      seg = { ifs = {} }
      of[root] = seg
      segs[#segs + 1] = seg
    end
    seg.ifs[#seg.ifs + 1] = ifs[k]
    of[k] = seg
  end
  for _, br in ipairs(lab.bridges) do of[key(br.node, br.name)].bridge = br end
  return segs, of
end

M.key = key

-- A segment is point-to-point when it is two routers on one veth pair.
function M.is_p2p(seg)
  return #seg.ifs == 2 and not seg.bridge and seg.ifs[1].node.role == "router"
    and seg.ifs[2].node.role == "router"
end

return M
