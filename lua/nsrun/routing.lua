-- nsrun.routing: static routes computed from the lab's graph and the
-- addresses on it (the script's own or ipam's).
--   Destinations: every segment that is not a router-to-router link (host
--   subnets, bridges) and every router's loopback /32.  Router-to-router
--   /31s stay local to their link: reach a router at its loopback.
--   Each router gets, for each destination it is not attached to, the next
--   hops of all shortest paths (hop count): one route, ECMP when they tie.
--   Routes with the same next hops are merged where two halves make a whole
--   prefix (exact aggregation: a leaf's, a pod's block instead of each /24).
--   Hosts and plain nodes get a default route via a router on their segment.
-- Pure Lua: plan() returns the routes; the lab installs them.
local ip4 = require "nsrun.ip4"
local l2 = require "nsrun.l2"

local M = {}

-- The IPv4 addresses of each interface: v4[key] = { n, len }
local function addresses(lab)
  local v4 = {}
  for _, node in ipairs(lab.order) do
    for _, a in ipairs(node.addrs) do
      local n, len = ip4.parse(a.cidr)
      if n then
        local k = l2.key(node, a.ifname)
        v4[k] = v4[k] or {}
        table.insert(v4[k], { n = n, len = len })
      end
    end
  end
  return v4
end

local function sorted_key(t)
  local k = {}
  for i, v in ipairs(t) do k[i] = v end
  table.sort(k)
  return table.concat(k, ",")
end

-- Merge buddy prefixes with the same next hops: two halves make the whole,
-- from the longest prefixes up (exact: nothing more is claimed).
local function aggregate(routes)
  local groups, order = {}, {}
  for _, r in ipairs(routes) do
    local g = groups[r.hopkey]
    if not g then
      g = { hops = r.nexthops, bylen = {} }
      groups[r.hopkey] = g
      order[#order + 1] = r.hopkey
    end
    g.bylen[r.len] = g.bylen[r.len] or {}
    g.bylen[r.len][r.n] = true
  end
  local out = {}
  for _, hopkey in ipairs(order) do
    local g = groups[hopkey]
    for len = 32, 0, -1 do
      local set = g.bylen[len]
      if set then
        local nets = {}
        for n in pairs(set) do nets[#nets + 1] = n end
        table.sort(nets)
        for _, n in ipairs(nets) do
          if set[n] then
            local buddy = n ~ ip4.size(len)
            if len > 0 and set[buddy] then
              set[n], set[buddy] = nil, nil
              local up = ip4.network(n, len - 1)
              g.bylen[len - 1] = g.bylen[len - 1] or {}
              g.bylen[len - 1][up] = true
            else
              out[#out + 1] = { n = n, len = len, nexthops = g.hops }
              set[n] = nil
            end
          end
        end
      end
    end
  end
  table.sort(out, function(a, b) if a.n ~= b.n then return a.n < b.n end return a.len < b.len end)
  return out
end

-- plan(lab [, opts]) -> { [node] = { { dst = "10.1.2.0/24", nexthops = { {via=, dev=}, ... } }, ... } }
-- opts.aggregate = false keeps one route per destination.
function M.plan(lab, opts)
  opts = opts or {}
  local v4 = addresses(lab)
  local segs = l2.segments(lab)
  local routers, is_router = {}, {}
  for _, node in ipairs(lab.order) do
    if node.role == "router" then routers[#routers + 1] = node; is_router[node] = true end
  end

  -- router adjacency: r -> { to = r2, via = r2's address, dev = r's interface }
  local adj = {}
  for _, r in ipairs(routers) do adj[r] = {} end
  -- destinations: owner-set key -> { owners = {...}, prefixes = { {n, len} } }
  local dests, order = {}, {}
  local function dest(owners, n, len)
    local names = {}
    for i, o in ipairs(owners) do names[i] = o.nsname end
    local k = sorted_key(names)
    local d = dests[k]
    if not d then d = { owners = owners, prefixes = {}, seen = {} }; dests[k] = d; order[#order + 1] = d end
    local pk = n .. "/" .. len
    if not d.seen[pk] then d.seen[pk] = true; table.insert(d.prefixes, { n = n, len = len }) end
  end
  local gateway = {}   -- non-router node -> { via } (first router on its first routed segment)
  for _, seg in ipairs(segs) do
    local rs, subnets = {}, {}
    for _, i in ipairs(seg.ifs) do
      for _, a in ipairs(v4[l2.key(i.node, i.ifname)] or {}) do
        if is_router[i.node] then rs[#rs + 1] = { node = i.node, ifname = i.ifname, n = a.n } end
        local net = ip4.network(a.n, a.len)
        subnets[net .. "/" .. a.len] = { n = net, len = a.len }
      end
    end
    for _, x in ipairs(rs) do
      for _, y in ipairs(rs) do
        if x.node ~= y.node then
          table.insert(adj[x.node], { to = y.node, via = ip4.ntoa(y.n), dev = x.ifname })
        end
      end
    end
    if #rs > 0 and not l2.is_p2p(seg) then
      local owners, seen = {}, {}
      for _, x in ipairs(rs) do
        if not seen[x.node] then seen[x.node] = true; owners[#owners + 1] = x.node end
      end
      for _, s in pairs(subnets) do dest(owners, s.n, s.len) end
      for _, i in ipairs(seg.ifs) do
        if not is_router[i.node] and v4[l2.key(i.node, i.ifname)] and not gateway[i.node] then
          gateway[i.node] = { via = ip4.ntoa(rs[1].n) }
        end
      end
    end
  end
  for _, r in ipairs(routers) do
    for _, a in ipairs(v4[l2.key(r, "lo")] or {}) do
      if a.n >> 24 ~= 127 then dest({ r }, a.n, a.len) end
    end
  end

  local plan, hopsets = {}, {}
  for _, r in ipairs(routers) do plan[r], hopsets[r] = {}, {} end
  for _, d in ipairs(order) do
    -- breadth-first from the owners: dist[r] = hops to the destination
    local dist, queue, head = {}, {}, 1
    for _, o in ipairs(d.owners) do dist[o] = 0; queue[#queue + 1] = o end
    while queue[head] do
      local r = queue[head]; head = head + 1
      for _, e in ipairs(adj[r]) do
        if not dist[e.to] then dist[e.to] = dist[r] + 1; queue[#queue + 1] = e.to end
      end
    end
    for _, r in ipairs(routers) do
      if dist[r] and dist[r] > 0 then
        -- the next hops: neighbours one hop closer; one table per distinct set
        local idx = {}
        for i, e in ipairs(adj[r]) do
          if dist[e.to] == dist[r] - 1 then idx[#idx + 1] = i end
        end
        local hopkey = table.concat(idx, ",")
        local hops = hopsets[r][hopkey]
        if not hops then
          hops = {}
          for _, i in ipairs(idx) do hops[#hops + 1] = { via = adj[r][i].via, dev = adj[r][i].dev } end
          hopsets[r][hopkey] = hops
        end
        for _, p in ipairs(d.prefixes) do
          table.insert(plan[r], { n = p.n, len = p.len, nexthops = hops, hopkey = hopkey })
        end
      end
    end
  end
  for _, r in ipairs(routers) do
    local rs = opts.aggregate == false and plan[r] or aggregate(plan[r])
    for i, x in ipairs(rs) do rs[i] = { dst = ip4.format(x.n, x.len), nexthops = x.nexthops } end
    plan[r] = rs
  end
  for node, g in pairs(gateway) do
    plan[node] = { { dst = "default", nexthops = { g } } }
  end
  return plan
end

return M
