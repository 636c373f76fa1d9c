-- Pure Lua tests of a lab's placement over machines (nsrun.machines), no
-- root: dry labs.  Nodes balanced; a pod, or a leaf and its hosts, on one
-- machine; pins honoured; the same placement every time; VNIs and MACs
-- derived from names, different for every link and end.
-- Prints TAP; exits non-zero when a test fails.
local nsrun = require "nsrun"
local machines = require "nsrun.machines"

local n, failed = 0, 0
local function ok(cond, what)
  n = n + 1
  if not cond then failed = failed + 1 end
  print(("%s %d - %s"):format(cond and "ok" or "not ok", n, what))
end

local seq = 0
local function dry()
  seq = seq + 1
  return nsrun.lab("m" .. seq, { dry = true })
end

local function spread(count)
  local lo, hi = math.huge, 0
  for _, c in pairs(count) do lo, hi = math.min(lo, c), math.max(hi, c) end
  return lo, hi
end

-- a fat-tree k=4 over 2 machines: each pod whole, 10 nodes apart at most
do
  local lab = dry()
  lab:fattree(4)
  local where, count, cut = machines.partition(lab, { "a", "b" })
  local lo, hi = spread(count)
  ok(count.a + count.b == #lab.order, "fat-tree k=4: every node placed")
  ok(hi - lo <= 4, ("fat-tree k=4 over 2: balanced (%d and %d)"):format(count.a, count.b))
  local pods, whole = {}, true
  for _, node in ipairs(lab.order) do
    if node.pod then
      pods[node.pod] = pods[node.pod] or where[node.nsname]
      if pods[node.pod] ~= where[node.nsname] then whole = false end
    end
  end
  ok(whole, "fat-tree k=4: each pod on one machine")
  ok(cut > 0 and cut < #lab.links, ("fat-tree k=4: %d of %d links cut"):format(cut, #lab.links))
  local again = machines.partition(lab, { "a", "b" })
  local same = true
  for k, v in pairs(where) do if again[k] ~= v then same = false end end
  ok(same, "the same placement every time")
end

-- a leaf-spine: each leaf with its hosts; 3 machines
do
  local lab = dry()
  local t = lab:leafspine { spines = 2, leaves = 6, hosts = 3 }
  local where, count = machines.partition(lab, { "a", "b", "c" })
  local lo, hi = spread(count)
  ok(hi - lo <= 4, ("leaf-spine over 3: balanced (%d, %d, %d)"):format(count.a, count.b, count.c))
  local together = true
  for _, node in ipairs(lab.order) do
    if node.tier == "host" then
      for _, l in ipairs(lab.links) do
        local other = l.a.node == node and (l.bridge and l.bridge.node or l.b.node) or l.b.node == node and l.a.node
        if other and where[other.nsname] ~= where[node.nsname] then together = false end
      end
    end
  end
  ok(together, "leaf-spine: every host on its leaf's machine")
  ok(t ~= nil, "leafspine returns its tiers")
end

-- pins: { on = "b" } puts a node there, and its unit with it
do
  local lab = dry()
  local r1 = lab:router("r1", { on = "b" })
  local r2 = lab:router("r2")
  local h = lab:host("h")
  lab:link(r1, r2)
  lab:link(h, r1)
  local where = machines.partition(lab, { "a", "b" })
  ok(where[r1.nsname] == "b", "a pinned node is on its machine")
  ok(where[h.nsname] == "b", "a host hanging off a pinned router goes with it")
  local lab2 = dry()
  lab2:router("x", { on = "z" })
  local good, err = pcall(machines.partition, lab2, { "a", "b" })
  ok(not good and tostring(err):find('on = "z" is not one of the machines %(a, b%)') ~= nil,
    "a pin to no machine: " .. tostring(err))
  local bad = pcall(function() dry():router("y", { on = 3 }) end)
  ok(not bad, "on = must be a machine's name")
end

-- VNIs and MACs: derived from names, the same each time
do
  local lab = { name = "dc" }
  local a, b, c = { nsname = "leaf1" }, { nsname = "spine1" }, { nsname = "spine2" }
  local p1 = setmetatable({ vnis = {} }, machines.Part)
  local p2 = setmetatable({ vnis = {} }, machines.Part)
  local v1, v2 = p1:vni(lab, a, "eth0", b, "eth0"), p1:vni(lab, a, "eth1", c, "eth0")
  ok(v1 ~= v2 and v1 >= 1 and v1 < 2 ^ 24 and v2 >= 1 and v2 < 2 ^ 24, ("two links, two VNIs (%d, %d)"):format(v1, v2))
  ok(p2:vni(lab, a, "eth0", b, "eth0") == v1, "a link's VNI is the same on every machine")
  ok(p1:vni(lab, a, "eth0", b, "eth0") ~= v1, "a VNI the lab has given already is not given again")
  ok(p2:vni({ name = "dc2" }, a, "eth0", b, "eth0") ~= v1, "another lab, another VNI")
  ok(machines.mac("dc", "leaf1", "eth0") == machines.mac("dc", "leaf1", "eth0"), "a MAC is the same each time")
  ok(machines.mac("dc", "leaf1", "eth0") ~= machines.mac("dc", "leaf1", "eth1"), "two ends, two MACs")
  ok(machines.mac("dc", "leaf1", "eth0") ~= machines.mac("dc2", "leaf1", "eth0"), "two labs, two MACs")
  local m = machines.mac("dc", "leaf1", "eth0")
  local first = tonumber(m:sub(1, 2), 16)
  ok(m:match("^%x%x:%x%x:%x%x:%x%x:%x%x:%x%x$") and first & 2 == 2 and first & 1 == 0,
    "a MAC is locally administered unicast: " .. m)
end

-- hosts lists
do
  local h = machines.hosts("a, b,c")
  ok(h and #h == 3 and h[2] == "b", "hosts: a, b,c")
  ok(not machines.hosts("a,,b"), "hosts: an empty name")
  ok(not machines.hosts("a,a"), "hosts: a machine twice")
  ok(not machines.hosts("-oProxyCommand=x"), "hosts: no ssh option as a machine")
end

print(("1..%d"):format(n))
if failed > 0 then
  print(("# %d of %d failed"):format(failed, n))
  os.exit(1)
end
