-- A routed leaf-spine fabric, written with loops:
--   nsrun scenarios/datacenter.lua spines=2 leaves=4 hosts=4
-- Every leaf links to every spine; each leaf's hosts share a segment (a
-- bridge in the leaf).  lab:autoaddr() gives the leaf-spine links /31s, each
-- leaf's segment a /24 and each router a loopback; lab:autoroute() computes
-- the shortest paths: a leaf gets one ECMP route over every spine for the
-- other leaves' hosts.  Then every host must reach every host.
-- (lab:leafspine{ spines = 2, leaves = 4, hosts = 4 } builds the same.)
local nsrun = require "nsrun"
local args = args or {}   -- set by the nsrun interpreter; empty under plain lua5.4

local S, L, H = args.spines or 2, args.leaves or 4, args.hosts or 4
local lab = nsrun.lab("dc", { prefix = args.prefix })

local spines = {}
for s = 1, S do spines[s] = lab:router("spine" .. s) end
local hosts = {}
for l = 1, L do
  local leaf = lab:router("leaf" .. l)
  for _, spine in ipairs(spines) do lab:link(leaf, spine) end   -- eth0, eth1, ...
  local segment = lab:bridge("hosts", { node = leaf })
  for h = 1, H do
    local host = lab:host(("h%d-%d"):format(l, h))
    lab:link(host, "eth0", segment)
    hosts[#hosts + 1] = host
  end
end
lab:autoaddr()
lab:autoroute()

-- every host reaches every host (or `sample` pairs of them)
lab:expect(hosts):reaches(hosts, { sample = args.sample })
