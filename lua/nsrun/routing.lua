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
-- plan() returns the routes and touches nothing; lab:autoroute() installs
-- them.  The graph and the destinations are made here; the searches, next
-- hops and aggregation are core.spf's (core/spf.c), over integer arrays,
-- and a router's routes go from its result straight to the kernel.
local core = require "nsrun.core"
local ip4 = require "nsrun.ip4"
local ipam = require "nsrun.ipam"
local l2 = require "nsrun.l2"
local util = require "nsrun.util"
local class = require "nsrun.class"
local progress = require "nsrun.progress"

local M = {}
local NONE = {}

-- hash_seed(node): a router's ECMP hash as a switch's: over the 5-tuple
-- (net.ipv4/ipv6.fib_multipath_hash_policy 1: flows of one pair of hosts
-- spread over the paths, as `spread` checks; the kernel's default hashes the
-- addresses only), with a seed of its own (net.ipv4.fib_multipath_hash_seed,
-- also IPv6's; kernel 6.11 and later), from its name.  Every namespace
-- shares the kernel's one seed otherwise: a switch's choice among its
-- uplinks then repeats at the switch above it (ECMP polarization), and whole
-- tiers of a fat-tree carry no traffic, where real switches each hash with
-- their own.  Older kernels: no seed.
function M.hash_seed(node)
  if node.known.hash_seed then return end
  local h = 2166136261   -- FNV-1a, 32 bits
  for i = 1, #node.nsname do h = ((h ~ node.nsname:byte(i)) * 16777619) & 0xffffffff end
  local keys = { { "net.ipv4.fib_multipath_hash_policy", "1" },
    { "net.ipv4.fib_multipath_hash_seed", tostring(h == 0 and 1 or h) } }
  -- IPv6's only where IPv6 is routed: one sysctl write fewer per router
  if node.ipv6 then keys[3] = { "net.ipv6.fib_multipath_hash_policy", "1" } end
  for _, kv in ipairs(keys) do
    local ok, msg, code = node.ns:sysctl(kv[1], kv[2])
    if not ok and code ~= core.errno.ENOENT then util.fail(msg, code, node.name) end
  end
  node.known.hash_seed = true
end

-- The IPv4 addresses of each interface: v4[node][ifname] = { {n=, len=}, ... }
local function addresses(lab)
  local v4 = {}
  for _, node in ipairs(lab.order) do
    for _, a in ipairs(node.addrs) do
      local n, len = a.n, a.len   -- given with the ones ipam chose
      if not n then n, len = ip4.parse(a.cidr) end
      if n then
        local list = l2.get(v4, node, a.ifname)
        if not list then list = {}; l2.put(v4, node, a.ifname, list) end
        list[#list + 1] = { n = n, len = len }
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

-- graph(lab) -> the routed graph: { routers = { node, ... },
--   adj = { [router] = { { to = router, via = its address, dev = our
--   interface, src = our address }, ... } },
--   dests = { { owners = { router, ... }, prefixes = { {n=, len=}, ... } }, ... }
--   (host segments, then loopbacks), gateway = { [host] = { via = } } }
function M.graph(lab)
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
    local pk = n * 64 + len
    if not d.seen[pk] then d.seen[pk] = true; d.prefixes[#d.prefixes + 1] = { n = n, len = len } end
  end
  local gateway = {}   -- non-router node -> { via } (first router on its first routed segment)
  for _, seg in ipairs(segs) do
    local rs, subnets, met = {}, {}, {}
    for _, i in ipairs(seg.ifs) do
      for _, a in ipairs(l2.get(v4, i.node, i.ifname) or NONE) do
        if is_router[i.node] then rs[#rs + 1] = { node = i.node, ifname = i.ifname, n = a.n } end
        local net = ip4.network(a.n, a.len)
        if not met[net * 64 + a.len] then
          met[net * 64 + a.len] = true
          subnets[#subnets + 1] = { n = net, len = a.len }
        end
      end
    end
    for _, x in ipairs(rs) do
      for _, y in ipairs(rs) do
        if x.node ~= y.node then
          table.insert(adj[x.node], { to = y.node, via = ip4.ntoa(y.n), dev = x.ifname,
            src = ip4.ntoa(x.n) })
        end
      end
    end
    if #rs > 0 and not l2.is_p2p(seg) then
      local owners, seen = {}, {}
      for _, x in ipairs(rs) do
        if not seen[x.node] then seen[x.node] = true; owners[#owners + 1] = x.node end
      end
      for _, s in ipairs(subnets) do dest(owners, s.n, s.len) end
      for _, i in ipairs(seg.ifs) do
        if not is_router[i.node] and l2.get(v4, i.node, i.ifname) and not gateway[i.node] then
          gateway[i.node] = { via = ip4.ntoa(rs[1].n) }
        end
      end
    end
  end
  for _, r in ipairs(routers) do
    for _, a in ipairs(l2.get(v4, r, "lo") or NONE) do
      if a.n >> 24 ~= 127 then dest({ r }, a.n, a.len) end
    end
  end
  return { routers = routers, adj = adj, dests = order, gateway = gateway }
end

-- plan(lab [, opts]) -> { [node] = { { dst = "10.1.2.0/24", nexthops = { {via=, dev=}, ... } }, ... } },
--   compiled: { res = core.spf's result, routers = { [router] = its number
--   in res }, via = { per adjacency entry, the neighbour's address } }
-- opts.aggregate = false keeps one route per destination.  In a dual-stack
-- lab, res:install(i, ns, 6) installs the IPv6 twins (ipam.twin).
function M.plan(lab, opts)
  opts = opts or {}
  local g = M.graph(lab)
  local routers, adj, order, gateway = g.routers, g.adj, g.dests, g.gateway

  -- the graph as arrays: routers 1..#routers, adjacency entries router by
  -- router (entry e: to[e], via[e], dev[e]), destinations in order
  local num = {}
  for i, r in ipairs(routers) do num[r] = i end
  local degree, to, via, dev = {}, {}, {}, {}
  for i, r in ipairs(routers) do
    degree[i] = #adj[r]
    for _, e in ipairs(adj[r]) do
      local k = #to + 1
      to[k], via[k], dev[k] = num[e.to], e.via, e.dev
    end
  end
  local nowners, owners, nprefixes, prefixes = {}, {}, {}, {}
  for i, d in ipairs(order) do
    nowners[i], nprefixes[i] = #d.owners, #d.prefixes
    for _, o in ipairs(d.owners) do owners[#owners + 1] = num[o] end
    for _, p in ipairs(d.prefixes) do
      prefixes[#prefixes + 1] = p.n
      prefixes[#prefixes + 1] = p.len
    end
  end
  local p6, via6 = ipam.prefix6(lab), nil
  if p6 then
    via6 = {}
    for e, v in ipairs(via) do via6[e] = ipam.twin(p6, v) end
  end
  local res = util.check(core.spf { degree = degree, to = to, via = via, dev = dev,
    nowners = nowners, owners = owners, nprefixes = nprefixes, prefixes = prefixes,
    aggregate = opts.aggregate ~= false, prefix6 = p6, via6 = via6 })

  -- a router's routes become tables when asked for: lab:autoroute installs
  -- them from res, without a table per route
  local plan = setmetatable({}, {
    __index = function(t, node)
      local i = num[node]
      if not i then return nil end
      local list = res:routes(i)
      rawset(t, node, list)
      return list
    end,
    __pairs = function(t)
      for r in pairs(num) do local _ = t[r] end
      return next, t, nil
    end,
  })
  for node, g in pairs(gateway) do
    plan[node] = { { dst = "default", nexthops = { g } } }
  end
  return plan, { res = res, routers = num }
end

-- A route's IPv6 twin (dual stack): its prefix's, via the next hops' twins.
local function twin(p6, r)
  local hops = {}
  for i, h in ipairs(r.nexthops) do hops[i] = { via = ipam.twin(p6, h.via), dev = h.dev } end
  return { dst = ipam.twin(p6, r.dst), nexthops = hops }
end

-- lab:autoroute([opts]): static routes from the graph (see plan above):
-- shortest paths, ECMP where they tie, aggregated; hosts default to their
-- gateway.  Routers with ECMP get loose reverse-path filtering; the
-- host-wide neighbour table is checked first.  opts.aggregate = false
-- keeps one route per destination.  With opts.protocol ("bgp", "ospf") a
-- routing daemon (opts.daemon: "frr" or "bird") in every router computes
-- the routes instead, from configs nsrun writes (nsrun.protocols), started
-- at once.
function class.Lab:autoroute(opts)
  class.alive(self)
  util.arg(opts == nil or type(opts) == "table", 1, "autoroute", "table expected")
  self.times.build = self.times.build or core.now() - self.started
  if opts and opts.protocol then
    local info = require("nsrun.protocols").configure(self, opts)
    self:neighbours()
    self:start()
    return info
  end
  if self.plan then return {} end   -- the pre-flight pass: routes name nothing
  self:neighbours()
  local plan, compiled = class.timed(self, "routes", function() return M.plan(self, opts) end)
  local res, p6 = compiled.res, ipam.prefix6(self)
  -- A router's routes go from the computation's result straight to the
  -- kernel (res:install, no table per route), in windows of requests.
  local function router_routes(node, i)
    local n, widest
    if self.dry then   -- as tables, for the dry backend (and what records it)
      local list, twins = plan[node], {}
      n, widest = #list, 0
      for j, r in ipairs(list) do
        widest = math.max(widest, #r.nexthops)
        if p6 then twins[j] = twin(p6, r) end
      end
      util.check_for(node, node.ns:route_batch(list))
      if p6 then util.check_for(node, node.ns:route_batch(twins)) end
    elseif not class.here(node) then   -- on another machine (nsrun.machines)
      n, widest = res:count(i), 1
    else   -- res:install -> routes, widest | nil, message, errno
      n, widest = util.check_for(node, res:install(i, node.ns, 4))
      if p6 then util.check_for(node, res:install(i, node.ns, 6)) end
    end
    self.counts.routes = self.counts.routes + n * (p6 and 2 or 1)
    if widest > 1 and not self.dry then M.hash_seed(node) end
    -- with ECMP, loose reverse-path filtering
    if n > 1 or widest > 1 then
      for _, key in ipairs { "net.ipv4.conf.all.rp_filter", "net.ipv4.conf.default.rp_filter" } do
        if node.known[key] == "1" then node:ensure(key, "2") end
      end
    end
  end
  -- Hosts' (and plain nodes') default routes, unless they have one.
  local function default_route(node, routes)
    for _, r in ipairs(node.routes) do if r.dst == "default" and not r.table then return end end
    local batch = {}
    for _, r in ipairs(routes) do
      batch[#batch + 1] = r
      if p6 then batch[#batch + 1] = twin(p6, r) end
    end
    util.check_for(node, node.ns:route_batch(batch))
    table.move(batch, 1, #batch, #node.routes + 1, node.routes)
    self.counts.routes = self.counts.routes + #batch
  end
  class.timed(self, "routes", function()
    for _, node in ipairs(self.order) do
      local i = compiled.routers[node]
      if i then router_routes(node, i)
      elseif rawget(plan, node) then default_route(node, plan[node]) end
      progress.update(self, "routes", self.counts.routes)
    end
  end)
  progress.clear(self)
  return plan
end

return M
