-- nsrun.gen: topology generators.  Each builds nodes and links in a lab
-- (routers forward, hosts do not), returns the nodes by tier, and leaves
-- addressing and routing to lab:autoaddr() and lab:autoroute() -- or to the
-- script.  Hosts behind a router share one segment: a bridge "hosts" in
-- that router, the router's address on it.
local util = require "nsrun.util"

local M = {}

local function int(v, name, min, fname)
  if math.type(v) ~= "integer" or v < min then
    util.fail(("%s: %s must be an integer >= %d, got %s"):format(fname, name, min, tostring(v)))
  end
  return v
end

-- n hosts named name(i) behind router r, on a bridge in r
local function hosts(lab, r, n, name, out)
  if n == 0 then return end
  if n > 1023 then
    util.fail(("%s: %d hosts on one bridge: a Linux bridge holds at most 1023 ports"):format(r.name, n))
  end
  local br = lab:bridge("hosts", { node = r })
  for i = 1, n do
    local h = lab:host(name(i))
    h.tier, h.pod = "host", r.pod
    lab:link(h, "eth0", br)
    out[#out + 1] = h
  end
end

-- leafspine{ spines = 2, leaves = 4, hosts = 2, pods = 1, superspines = 0 }
-- With pods > 1, each pod has its own spines and leaves (p1-spine1,
-- p1-leaf1, ...) and every spine links to every super-spine (ss1, ...).
function M.leafspine(lab, o)
  o = o or {}
  local S = int(o.spines or 2, "spines", 1, "leafspine")
  local L = int(o.leaves or 4, "leaves", 1, "leafspine")
  local H = int(o.hosts or 2, "hosts", 0, "leafspine")
  local P = int(o.pods or 1, "pods", 1, "leafspine")
  local SS = int(o.superspines or 0, "superspines", 0, "leafspine")
  if P > 1 and SS == 0 then util.fail("leafspine: pods > 1 need superspines >= 1") end
  local t = { superspines = {}, spines = {}, leaves = {}, hosts = {} }
  lab.total = { nodes = #lab.order + SS + P * (S + L + L * H),
    links = #lab.links + P * (S * SS + L * S + L * H) }
  for i = 1, SS do
    t.superspines[i] = lab:router("ss" .. i)
    t.superspines[i].tier = "superspine"
  end
  for p = 1, P do
    local pre = P > 1 and ("p%d-"):format(p) or ""
    local spines = {}
    for s = 1, S do
      local sp = lab:router(pre .. "spine" .. s)
      sp.tier, sp.pod = "spine", P > 1 and p or nil
      spines[s] = sp
      t.spines[#t.spines + 1] = sp
      for _, ss in ipairs(t.superspines) do lab:link(sp, ss) end
    end
    for l = 1, L do
      local leaf = lab:router(pre .. "leaf" .. l)
      leaf.tier, leaf.pod = "leaf", P > 1 and p or nil
      t.leaves[#t.leaves + 1] = leaf
      for _, sp in ipairs(spines) do lab:link(leaf, sp) end
      local hname = P > 1 and function(h) return ("h%d-%d-%d"):format(p, l, h) end
                          or function(h) return ("h%d-%d"):format(l, h) end
      hosts(lab, leaf, H, hname, t.hosts)
    end
  end
  return t
end

-- fattree(k): the k-ary fat-tree of Al-Fares et al. (SIGCOMM 2008):
-- (k/2)^2 core switches; k pods of k/2 aggregation and k/2 edge switches;
-- k/2 hosts per edge switch.  Aggregation switch i of every pod links to
-- core switches core<i>-1 .. core<i>-<k/2>.
function M.fattree(lab, k)
  k = int(k, "k", 2, "fattree")
  if k % 2 ~= 0 then util.fail(("fattree: k must be even, got %d"):format(k)) end
  local h = k // 2
  local t = { core = {}, agg = {}, edge = {}, hosts = {} }
  lab.total = { nodes = #lab.order + 5 * k * k // 4 + k * k * k // 4, links = #lab.links + 3 * k * k * k // 4 }
  for i = 1, h do
    for j = 1, h do
      local c = lab:router(("core%d-%d"):format(i, j))
      c.tier = "core"
      t.core[#t.core + 1] = c
    end
  end
  for p = 1, k do
    local aggs = {}
    for i = 1, h do
      local a = lab:router(("p%d-agg%d"):format(p, i))
      a.tier, a.pod = "aggregation", p
      aggs[i] = a
      t.agg[#t.agg + 1] = a
      for j = 1, h do lab:link(a, t.core[(i - 1) * h + j]) end
    end
    for e = 1, h do
      local edge = lab:router(("p%d-edge%d"):format(p, e))
      edge.tier, edge.pod = "edge", p
      t.edge[#t.edge + 1] = edge
      for _, a in ipairs(aggs) do lab:link(edge, a) end
      hosts(lab, edge, h, function(x) return ("h%d-%d-%d"):format(p, e, x) end, t.hosts)
    end
  end
  return t
end

-- routers named prefix1..n, each with `hosts` hosts (h<i>-<j>)
local function routers(lab, n, o, fname)
  n = int(n, "n", 1, fname)
  local t = { routers = {}, hosts = {} }
  for i = 1, n do t.routers[i] = lab:router((o.prefix or "r") .. i) end
  for i, r in ipairs(t.routers) do
    hosts(lab, r, int(o.hosts or 1, "hosts", 0, fname),
      function(j) return ("h%d-%d"):format(i, j) end, t.hosts)
  end
  return t
end

---------------------------------------------------------------- switched
-- Mininet's topologies as Mininet builds them: switches s1, s2, ... are
-- Linux bridges in the host's namespace (its LinuxBridge switch, no
-- controller), hosts h1, h2, ... in the order Mininet numbers them, with
-- its interface names (h1-eth0; ports s1-eth1, s1-eth2, ...), one layer-2
-- segment for lab:autoaddr (h1 10.0.0.1, h2 10.0.0.2, ...).

local function switch(lab, t)
  local s = lab:bridge("s" .. #t.switches + 1)
  s.tier = "switch"
  t.switches[#t.switches + 1] = s
  return s
end

-- The next port of switch s as Mininet names it: s1-eth1, s1-eth2, ... in
-- the order of its links (nil when too long for a name: lab:link chooses)
local function port(s)
  local name = ("%s-eth%d"):format(s.name, #s.ports + 1)
  return #name <= 15 and name or nil
end

-- lab:link with the names given (nil: lab:link chooses)
local function link(lab, a, ifa, b, ifb)
  if ifa and ifb then return lab:link(a, ifa, b, ifb) end
  if ifa then return lab:link(a, ifa, b) end
  if ifb then return lab:link(a, b, ifb) end
  return lab:link(a, b)
end

-- a host of Mininet's (h1, its interface h1-eth0) on switch s
local function host(lab, t, s, name)
  local h = lab:host(name or "h" .. #t.hosts + 1)
  h.tier = "host"
  link(lab, h, h.name .. "-eth0", s, port(s))
  t.hosts[#t.hosts + 1] = h
  return h
end

-- switch a to switch b, a port each (Mininet's addLink(a, b))
local function switch_link(lab, a, b) link(lab, a, port(a), b, port(b)) end

-- LinearTopo(k, n): k switches in a chain, n hosts on each (h1..hk when
-- n = 1, else h1s1, h2s1, ...)
local function linear_switched(lab, k, n)
  local t = { switches = {}, hosts = {} }
  for i = 1, k do
    local s = switch(lab, t)
    for j = 1, n do host(lab, t, s, n > 1 and ("h%ds%d"):format(j, i) or nil) end
    if i > 1 then switch_link(lab, s, t.switches[i - 1]) end
  end
  return t
end

-- TreeTopo(depth, fanout): depth levels of switches, fanout hosts under
-- each bottom one; numbered depth first, as Mininet's addTree does
local function tree_switched(lab, depth, fanout)
  local t = { switches = {}, hosts = {} }
  local function add(d)
    if d == 0 then return nil end
    local s = switch(lab, t)
    for _ = 1, fanout do
      if d == 1 then host(lab, t, s) else switch_link(lab, s, add(d - 1)) end
    end
    return s
  end
  add(depth)
  return t
end

-- linear(n [, { hosts = 1, switches = bool }]): a chain of n routers, hosts
-- on each; with switches, Mininet's LinearTopo
function M.linear(lab, n, o)
  if o and o.switches then
    return linear_switched(lab, int(n, "n", 1, "linear"), int(o.hosts or 1, "hosts", 1, "linear"))
  end
  local t = routers(lab, n, o or {}, "linear")
  for i = 2, #t.routers do lab:link(t.routers[i - 1], t.routers[i]) end
  return t
end

-- ring(n [, { hosts = 1 }]): n routers in a cycle (n >= 3)
function M.ring(lab, n, o)
  int(n, "n", 3, "ring")
  local t = M.linear(lab, n, o)
  lab:link(t.routers[n], t.routers[1])
  return t
end

-- mesh(n [, { hosts = 1 }]): n routers, each linked to every other
function M.mesh(lab, n, o)
  local t = routers(lab, n, o or {}, "mesh")
  for i = 1, #t.routers do
    for j = i + 1, #t.routers do lab:link(t.routers[i], t.routers[j]) end
  end
  return t
end

-- star(n [, { switches = true }]): one router "hub" and n hosts behind it;
-- with switches, Mininet's SingleSwitchTopo (s1, h1..hn)
function M.star(lab, n, o)
  n = int(n, "n", 1, "star")
  if o and o.switches then
    local t = { switches = {}, hosts = {} }
    local s = switch(lab, t)
    for _ = 1, n do host(lab, t, s) end
    return t
  end
  local t = { hub = lab:router "hub", hosts = {} }
  hosts(lab, t.hub, n, function(i) return "h" .. i end, t.hosts)
  t.routers = { t.hub }
  return t
end

-- tree(depth, fanout [, { switches = true }]): routers in a tree of the
-- given depth (the root is "t1"); each bottom router has fanout hosts
-- (Mininet's tree, routed); with switches, Mininet's TreeTopo itself.
function M.tree(lab, depth, fanout, o)
  depth = int(depth, "depth", 1, "tree")
  fanout = int(fanout, "fanout", 1, "tree")
  if o and o.switches then return tree_switched(lab, depth, fanout) end
  local t = { routers = {}, hosts = {} }
  local level = { lab:router "t1" }
  t.routers[1] = level[1]
  local n = 1
  for _ = 2, depth do
    local next_level = {}
    for _, parent in ipairs(level) do
      for _ = 1, fanout do
        n = n + 1
        local r = lab:router("t" .. n)
        lab:link(r, parent)
        next_level[#next_level + 1] = r
        t.routers[#t.routers + 1] = r
      end
    end
    level = next_level
  end
  for i, r in ipairs(level) do
    hosts(lab, r, fanout, function(j) return ("h%d-%d"):format(i, j) end, t.hosts)
  end
  return t
end

return M
