-- Pure Lua tests of the fabric layer, no root: dry labs (nothing is made).
-- Counts match the formulas; no address is given twice and no two segments
-- overlap; ECMP fan-out matches the graph; aggregation changes no path;
-- eBGP's ASNs follow RFC 7938.
-- Prints TAP; exits non-zero when a test fails.
local nsrun = require "nsrun"
local ip4 = require "nsrun.ip4"
local routing = require "nsrun.routing"

local n, failed = 0, 0
local function ok(cond, what)
  n = n + 1
  if not cond then failed = failed + 1 end
  print(("%s %d - %s"):format(cond and "ok" or "not ok", n, what))
end

local seq = 0
local function dry()
  seq = seq + 1
  return nsrun.lab("t" .. seq, { dry = true })
end

-- every assigned IPv4 address once; segments (networks) of different
-- segments never overlap
local function no_overlap(lab, what)
  local seen, nets, dup = {}, {}, nil
  for _, node in ipairs(lab.order) do
    for _, a in ipairs(node.addrs) do
      local x, len = ip4.parse(a.cidr)
      if x then
        if seen[x] then dup = a.cidr end
        seen[x] = true
        nets[ip4.network(x, len) .. "/" .. len] = { n = ip4.network(x, len), len = len }
      end
    end
  end
  local list = {}
  for _, v in pairs(nets) do list[#list + 1] = v end
  local overlap
  for i = 1, #list do
    for j = i + 1, #list do
      if ip4.overlap(list[i].n, list[i].len, list[j].n, list[j].len) then
        overlap = ip4.format(list[i].n, list[i].len) .. " " .. ip4.format(list[j].n, list[j].len)
      end
    end
  end
  ok(not dup and not overlap, what .. ": no address twice, no overlapping subnets"
    .. (dup and (" (twice: " .. dup .. ")") or "") .. (overlap and (" (" .. overlap .. ")") or ""))
end

local function lookup(routes, addr)
  local x = ip4.parse(addr)
  local best
  for _, r in ipairs(routes) do
    local rn, rl = ip4.parse(r.dst == "default" and "0.0.0.0/0" or r.dst)
    if ip4.network(x, rl) == rn and (not best or rl > best.len) then best = { len = rl, r = r } end
  end
  return best and best.r
end

local function hopset(r)
  local t = {}
  for _, h in ipairs(r and r.nexthops or {}) do t[#t + 1] = h.via end
  table.sort(t)
  return table.concat(t, " ")
end

-- aggregated and per-destination plans choose the same next hops for every
-- host address
local function exact(lab, what)
  local agg, flat = routing.plan(lab), routing.plan(lab, { aggregate = false })
  local bad
  for _, node in ipairs(lab:all "router") do
    for _, h in ipairs(lab:all "host") do
      local a = h:ip(4)
      if hopset(lookup(agg[node], a)) ~= hopset(lookup(flat[node], a)) then
        bad = node.name .. " -> " .. a
      end
    end
  end
  ok(not bad, what .. ": aggregation changes no next hop" .. (bad and (" (" .. bad .. ")") or ""))
end

-- leaf-spine
for _, size in ipairs { { 2, 4, 2 }, { 4, 8, 3 }, { 3, 5, 1 } } do
  local S, L, H = size[1], size[2], size[3]
  local what = ("leafspine %d/%d/%d"):format(S, L, H)
  local lab = dry()
  local t = lab:leafspine { spines = S, leaves = L, hosts = H }
  ok(#lab.order == S + L + L * H, what .. ": nodes = S + L + L*H")
  ok(#lab.links == S * L + L * H, what .. ": links = S*L + L*H")
  lab:autoaddr()
  -- p2p: 2 per leaf-spine link; segments: leaf + hosts; loopbacks: routers
  ok(lab:summary().addresses == 2 * S * L + L * (H + 1) + S + L,
    what .. ": addresses = 2*S*L + L*(H+1) + S + L")
  no_overlap(lab, what)
  local plan = lab:autoroute()
  local fan = true
  for l, leaf in ipairs(t.leaves) do
    for _, h in ipairs(t.hosts) do
      if not h.name:find("^h" .. l .. "%-") then
        local r = lookup(plan[leaf], h:ip(4))
        fan = fan and r and #r.nexthops == S
      end
    end
  end
  ok(fan, what .. ": a leaf reaches every remote leaf's hosts over all S spines")
  local one = true
  for _, sp in ipairs(t.spines) do
    for _, h in ipairs(t.hosts) do one = one and #lookup(plan[sp], h:ip(4)).nexthops == 1 end
  end
  ok(one, what .. ": a spine reaches each leaf's hosts by that leaf alone")
  local defaults = true
  for _, h in ipairs(t.hosts) do defaults = defaults and plan[h][1].dst == "default" end
  ok(defaults, what .. ": hosts route by default to their leaf")
  exact(lab, what)
end

-- leaf-spine with pods and super-spines
do
  local lab = dry()
  local t = lab:leafspine { spines = 2, leaves = 3, hosts = 2, pods = 3, superspines = 4 }
  ok(#t.superspines == 4 and #t.spines == 6 and #t.leaves == 9 and #t.hosts == 18,
    "leafspine with pods: 4 super-spines, 3 pods of 2 spines and 3 leaves")
  ok(#lab.links == 6 * 4 + 9 * 2 + 18, "leafspine with pods: links")
  lab:autoaddr()
  no_overlap(lab, "leafspine with pods")
  local plan = lab:autoroute()
  local leaf = lab.nodes["p1-leaf1"]
  local r = lookup(plan[leaf], lab.nodes["h3-2-1"]:ip(4))
  ok(r and #r.nexthops == 2, "pod 1's leaf reaches pod 3 over both its spines")
  exact(lab, "leafspine with pods")
end

-- fat-tree
for _, k in ipairs { 2, 4, 6, 8 } do
  local what = ("fattree k=%d"):format(k)
  local lab = dry()
  local t = lab:fattree(k)
  ok(#t.core == (k // 2) ^ 2 and #t.agg == k * k // 2 and #t.edge == k * k // 2
    and #t.hosts == k ^ 3 // 4, what .. ": (k/2)^2 core, k^2/2 agg, k^2/2 edge, k^3/4 hosts")
  ok(#lab.order == 5 * k * k // 4 + k ^ 3 // 4, what .. ": namespaces = 5k^2/4 + k^3/4")
  ok(#lab.links == 3 * k ^ 3 // 4, what .. ": links = 3k^3/4")
  lab:autoaddr()
  no_overlap(lab, what)
  local plan = lab:autoroute()
  if k >= 4 then
    local edge, core = lab.nodes["p1-edge1"], lab.nodes["core1-1"]
    local far = lab.nodes[("h%d-1-1"):format(k)]
    ok(#lookup(plan[edge], far:ip(4)).nexthops == k // 2, what .. ": an edge reaches other pods over its k/2 aggs")
    ok(#lookup(plan[lab.nodes["p1-agg1"]], far:ip(4)).nexthops == k // 2,
      what .. ": an aggregation switch reaches other pods over its k/2 cores")
    ok(#lookup(plan[core], far:ip(4)).nexthops == 1, what .. ": a core reaches a pod by one link")
    local near = lab.nodes["h1-2-1"]
    ok(#lookup(plan[edge], near:ip(4)).nexthops == k // 2, what .. ": an edge reaches its pod's other edges over k/2 aggs")
  end
  exact(lab, what)
end

-- the other generators
do
  local lab = dry(); local t = lab:linear(5, { hosts = 2 })
  ok(#t.routers == 5 and #t.hosts == 10 and #lab.links == 4 + 10, "linear 5: 5 routers, 10 hosts, 14 links")
  lab:autoaddr(); no_overlap(lab, "linear"); local plan = lab:autoroute()
  ok(#lookup(plan[t.routers[1]], t.hosts[10]:ip(4)).nexthops == 1, "linear: one path")
  lab = dry(); t = lab:ring(6)
  ok(#t.routers == 6 and #lab.links == 6 + 6, "ring 6: 6 links between routers")
  lab:autoaddr(); plan = lab:autoroute()
  ok(#lookup(plan[t.routers[1]], t.hosts[4]:ip(4)).nexthops == 2, "ring 6: the opposite router by both ways (ECMP)")
  ok(#lookup(plan[t.routers[1]], t.hosts[3]:ip(4)).nexthops == 1, "ring 6: a nearer router by one way")
  lab = dry(); t = lab:mesh(5)
  ok(#lab.links == 10 + 5, "mesh 5: n(n-1)/2 links between routers")
  lab:autoaddr(); plan = lab:autoroute()
  ok(#lookup(plan[t.routers[1]], t.hosts[5]:ip(4)).nexthops == 1, "mesh: one hop to each")
  lab = dry(); t = lab:star(7)
  ok(#t.hosts == 7 and #lab.links == 7, "star 7")
  lab = dry(); t = lab:tree(3, 2)
  ok(#t.routers == 7 and #t.hosts == 8 and #lab.links == 6 + 8, "tree depth 3 fanout 2: 7 routers, 8 hosts")
  lab:autoaddr(); no_overlap(lab, "tree"); exact(lab, "tree")
end

-- the route computation in C (core.spf), directly: a ring 1-2-3-4 and a
-- router 5 alone; destination 1 at router 3 (three prefixes that make a
-- /23), destination 2 at router 5.  Entries: 1: 1->2, 2: 1->4, 3: 2->1,
-- 4: 2->3, 5: 3->2, 6: 3->4, 7: 4->3, 8: 4->1.
do
  local g = { degree = { 2, 2, 2, 2, 0 }, to = { 2, 4, 1, 3, 2, 4, 3, 1 },
    via = { "e1", "e2", "e3", "e4", "e5", "e6", "e7", "e8" },
    dev = { "d1", "d2", "d3", "d4", "d5", "d6", "d7", "d8" },
    nowners = { 1, 1 }, owners = { 3, 5 }, nprefixes = { 3, 1 },
    prefixes = { 0x0a000000, 25, 0x0a000080, 25, 0x0a000100, 24, 0x0a090000, 24 } }
  -- "router:dst:via+via:dev+dev ..." for every route of every router
  local function routes(res)
    local out = {}
    for i = 1, 5 do
      for _, r in ipairs(res:routes(i)) do
        local v, d = {}, {}
        for _, h in ipairs(r.nexthops) do v[#v + 1], d[#d + 1] = h.via, h.dev end
        out[#out + 1] = ("%d:%s:%s:%s"):format(i, r.dst, table.concat(v, "+"), table.concat(d, "+"))
      end
    end
    return table.concat(out, " ")
  end
  local res = nsrun.core.spf(g)
  local counts = {}
  for i = 1, 5 do counts[i] = res:count(i) end
  ok(table.concat(counts, ",") == "1,1,0,1,0" and routes(res) ==
    "1:10.0.0.0/23:e1+e2:d1+d2 2:10.0.0.0/23:e4:d4 4:10.0.0.0/23:e7:d7",
    "spf: buddies merged into a /23; none at the owner or the lone router; the opposite router "
    .. "by both entries (a tie), the others by one: " .. routes(res))
  g.aggregate = false
  res = nsrun.core.spf(g)
  local r1 = res:routes(1)
  ok(routes(res):match("^1:10.0.0.0/25:e1%+e2:d1%+d2 1:10.0.0.128/25:e1%+e2:d1%+d2 1:10.0.1.0/24:e1%+e2:d1%+d2 2:")
    and #res:routes(2) == 3 and #res:routes(4) == 3 and r1[1].nexthops == r1[3].nexthops,
    "spf: aggregate = false keeps each prefix, in order; one nexthops table per hop set")
  ok(not pcall(res.count, res, 6), "spf: router 6 is not one")
  g.to[1] = 6
  local e = select(2, pcall(nsrun.core.spf, g))
  ok(tostring(e):find("to%[1%] is not an integer in 1..5"), "spf: a router out of range is an error: " .. tostring(e))
end

-- routes through the lab: a segment of two routers, parallel links, a
-- router no one reaches
do
  local lab = dry()
  local a, b, c, d, e = lab:router "a", lab:router "b", lab:router "c", lab:router "d", lab:router "e"
  local lone, h, hl, lan = lab:router "lone", lab:host "h", lab:host "hl", lab:bridge "lan"
  lab:link(a, lan); lab:link(b, lan); lab:link(h, lan)
  lab:link(c, a); lab:link(d, b); lab:link(e, c); lab:link(e, d)
  lab:link(c, d); lab:link(c, d)
  lab:link(hl, lone)
  lab:autoaddr()
  local plan = lab:autoroute()
  local function lo(r)
    for _, x in ipairs(r.addrs) do if x.ifname == "lo" then return (x.cidr:gsub("/.*", "")) end end
  end
  local devs = {}
  for _, x in ipairs(lookup(plan[c], lo(d)).nexthops) do devs[#devs + 1] = x.dev end
  ok(#devs == 2 and devs[1] ~= devs[2], "two links to one neighbour: both are next hops")
  ok(#lookup(plan[e], h:ip(4)).nexthops == 2, "a segment of two routers: reached through both")
  ok(#lookup(plan[c], h:ip(4)).nexthops == 1 and not lookup(plan[a], h:ip(4)),
    "a segment of two routers: by the nearer one; none on it")
  local none = #plan[lone] == 0
  for _, r in ipairs { a, b, c, d, e } do none = none and not lookup(plan[r], hl:ip(4)) end
  ok(none, "a router no one reaches: no routes to it or from it")
  ok(plan[h][1].dst == "default" and plan[hl][1].dst == "default", "hosts: a default route")
  exact(lab, "two routers on a segment, parallel links")
end

-- switches linked to switches (Mininet's TreeTopo, depth 2, fanout 2): one
-- segment, one subnet, hosts addressed in the order they were linked, no
-- address on a bridge in the host's namespace; a router behind the tree is
-- every host's gateway
do
  local lab = dry()
  local s1, s2, s3 = lab:bridge "s1", lab:bridge "s2", lab:bridge "s3"
  local l12, l13 = lab:link(s1, s2), lab:link(s1, s3)
  ok(l12.a.name == "s1_s2" and l12.b.name == "s2_s1" and l13.b.name == "s3_s1",
    "bridge to bridge: a port on each, named s1_s2 and s2_s1")
  local hs = {}
  for i = 1, 4 do hs[i] = lab:host("h" .. i); lab:link(hs[i], i <= 2 and s2 or s3) end
  local r = lab:router "r"
  lab:link(r, s3)
  lab:autoaddr()
  lab:autoroute()
  local got = {}
  for i = 1, 4 do got[i] = hs[i].addrs[1].cidr end
  ok(r.addrs[1].cidr == "10.0.0.1/24" and table.concat(got, " ")
    == "10.0.0.2/24 10.0.0.3/24 10.0.0.4/24 10.0.0.5/24", "one subnet: the router first, then h1..h4 in order")
  ok(#lab.root.addrs == 0, "no address on the switches in the host's namespace")
  ok(hs[1].routes[1] and hs[1].routes[1].dst == "default", "h1's default route: through the tree to r")
  ok(#require("nsrun.l2").segments(lab) == 1, "three linked bridges: one segment")
  local m = lab:model()
  ok(m.links[1].bridge_a == "s1" and m.links[1].bridge == "s2", "the model names both bridges")
  ok(not pcall(lab.link, lab, s1, s1), "a bridge linked to itself: an error")
end

-- Mininet's topologies, switched (bridges in the host's namespace), numbered
-- as Mininet numbers them
do
  local function shape(t, lab)
    local links, addrs = {}, {}
    for _, l in ipairs(lab.links) do
      links[#links + 1] = (l.bridge_a and l.bridge_a.name or l.a.node.name) .. "-" .. l.bridge.name
    end
    for _, h in ipairs(t.hosts) do addrs[#addrs + 1] = h.name .. "=" .. h.addrs[1].cidr end
    return table.concat(links, " "), table.concat(addrs, " ")
  end
  local lab = dry()
  local t = lab:tree(3, 2, { switches = true })
  lab:autoaddr()
  local links, addrs = shape(t, lab)
  ok(#t.switches == 7 and #t.hosts == 8 and #lab.order == 8, "TreeTopo(3, 2): 7 switches, 8 hosts")
  ok(links == "h1-s3 h2-s3 s2-s3 h3-s4 h4-s4 s2-s4 s1-s2 h5-s6 h6-s6 s5-s6 h7-s7 h8-s7 s5-s7 s1-s5",
    "TreeTopo(3, 2): numbered depth first, as Mininet's addTree")
  ok(addrs:match("^h1=10.0.0.1/24 h2=10.0.0.2/24 .* h8=10.0.0.8/24$") ~= nil, "TreeTopo: h1..h8 are 10.0.0.1..8")
  local s1 = t.switches[1]
  ok(lab.links[1].a.name == "h1-eth0" and lab.links[1].b.name == "s3-eth1"
    and table.concat(s1.ports, " ") == "s1-eth1 s1-eth2" and lab.links[3].b.name == "s3-eth3",
    "TreeTopo: Mininet's interface names (h1-eth0, s3-eth1; s2-eth1 <-> s3-eth3; s1-eth1, s1-eth2)")
  lab = dry()
  t = lab:linear(4, { switches = true })
  lab:autoaddr()
  links = shape(t, lab)
  ok(links == "h1-s1 h2-s2 s2-s1 h3-s3 s3-s2 h4-s4 s4-s3", "LinearTopo(4): h<i> on s<i>, s1-s2-s3-s4")
  lab = dry()
  t = lab:linear(2, { switches = true, hosts = 2 })
  ok(t.hosts[3].name == "h1s2", "LinearTopo(2, 2): hosts h<j>s<i>")
  lab = dry()
  t = lab:star(3, { switches = true })
  ok(#t.switches == 1 and #t.hosts == 3 and t.switches[1].name == "s1", "SingleSwitchTopo(3): s1, h1..h3")
end

-- a bond's ports get no address of autoaddr's; two bridges whose names
-- share 10 bytes in one namespace still get two port names
do
  local lab = dry()
  local a, b = lab:router "a", lab:router "b"
  lab:link(a, b); lab:link(a, b)
  a:dev("bond0", { type = "bond", members = { "eth0", "eth1" } })
  lab:autoaddr()
  local on = {}
  for _, x in ipairs(a.addrs) do on[#on + 1] = x.ifname end
  ok(table.concat(on, " ") == "lo", "bond ports: not addressed (only a's loopback)")
  lab = dry()
  local x, y = lab:bridge "longbridge-x", lab:bridge "longbridge-y"
  local l = lab:link(x, y)
  ok(l.a.name ~= l.b.name, "bridge to bridge, names cut to 10 bytes: two ports (" .. l.a.name .. ", " .. l.b.name .. ")")
end

-- addressing: the script's own addresses are kept and avoided
do
  local lab = dry()
  local a, b, c = lab:router "a", lab:router "b", lab:host "c"
  local l1 = lab:link(a, b)
  lab:link(c, b)
  a:addr(l1.a.name, "10.128.0.0/31")
  b:addr(l1.b.name, "10.128.0.1/31")
  lab:autoaddr()
  ok(#a.addrs == 2 and b.addrs[1].cidr == "10.128.0.1/31", "explicit addresses are kept")
  no_overlap(lab, "explicit + automatic")
  local e = select(2, pcall(function() lab:router("d"):addr("lo", "10.128.0.1/32"); lab:autoaddr() end))
  ok(tostring(e):find("10.128.0.1 is on both"), "an address given twice is an error: " .. tostring(e))
  lab = dry()
  lab:linear(3)
  e = select(2, pcall(lab.autoaddr, lab, { segments = "10.9.0.0/23" }))
  ok(tostring(e):find("segments pool 10.9.0.0/23 is full"), "a full pool is an error: " .. tostring(e))
  lab = dry(); lab:linear(2)
  local plan = lab:autoaddr { ipv6 = "fd00::/96" }
  local v6 = 0
  for _, p in ipairs(plan) do if p.cidr:find(":") then v6 = v6 + 1 end end
  ok(v6 * 2 == #plan, "dual stack: an IPv6 twin for every IPv4 address")
  e = select(2, pcall(lab.autoaddr, dry(), { ipv6 = "fd00::/64" }))
  ok(tostring(e):find("give an IPv6 /96"), "ipv6 pool must be a /96")
end

-- eBGP's numbering (RFC 7938 section 5.2): one ASN for the top tier, one per
-- pod in the tiers between, one per router next to the hosts
do
  local protocols = require "nsrun.protocols"
  local function asns(lab, base)
    lab:autoaddr()
    return protocols.asns(lab, routing.graph(lab), base)
  end
  local lab = dry()
  local t = lab:fattree(4)
  local asn = asns(lab)
  local function distinct(list)
    local set, count = {}, 0
    for _, r in ipairs(list) do
      if not set[asn[r]] then set[asn[r]] = true; count = count + 1 end
    end
    return count
  end
  ok(distinct(t.core) == 1 and asn[t.core[1]] == 64512, "fat-tree: the cores share 64512")
  local pods = {}
  for _, a in ipairs(t.agg) do
    pods[a.pod] = pods[a.pod] or asn[a]
    ok(pods[a.pod] == asn[a], ("fat-tree: %s has its pod's ASN"):format(a.name))
  end
  ok(distinct(t.agg) == 4, "fat-tree: one ASN per pod's aggregation switches")
  ok(distinct(t.edge) == #t.edge, "fat-tree: every edge switch its own ASN")
  local all = {}
  for _, l in ipairs { t.core, t.agg, t.edge } do for _, r in ipairs(l) do all[#all + 1] = r end end
  ok(distinct(all) == 1 + 4 + 8, "fat-tree: 13 ASNs, no tier sharing one with another")
  lab = dry()
  t = lab:leafspine { spines = 2, leaves = 3 }
  asn = asns(lab, 65000)
  ok(distinct(t.spines) == 1 and distinct(t.leaves) == 3 and asn[t.spines[1]] == 65000,
    "leaf-spine: the spines share the base ASN, each leaf its own")
  lab = dry()
  t = lab:leafspine { spines = 1, leaves = 1100, hosts = 1 }
  asn = asns(lab)
  ok(asn[t.spines[1]] == 4200000000 and distinct(t.leaves) == 1100,
    "over 1023 ASNs: 4-byte private ones from 4200000000")
end

for _, lab in ipairs(nsrun.opened) do lab:destroy() end
print(("1..%d"):format(n))
print(("%d passed, %d failed"):format(n - failed, failed))
os.exit(failed == 0 and 0 or 1)
