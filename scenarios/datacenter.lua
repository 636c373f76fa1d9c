-- A routed leaf-spine fabric, written with loops:
--   nsrun scenarios/datacenter.lua spines=2 leaves=4 hosts=4
-- Every leaf links to every spine; each leaf's hosts share a segment (a
-- bridge in the leaf).  lab:autoaddr() gives the leaf-spine links /31s, each
-- leaf's segment a /24 and each router a loopback; lab:autoroute() computes
-- the shortest paths: a leaf gets one ECMP route over every spine for the
-- other leaves' hosts.  Then every host must reach every host.
-- routing=bgp|ospf daemon=frr|bird (bfd=true): real routing daemons in the
-- spines and leaves instead, their configs written from the same graph
-- (eBGP as RFC 7938 describes it), and every BGP session Established.
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
if args.routing then
  lab:autoroute { protocol = args.routing, daemon = args.daemon or "frr", bfd = args.bfd }
else
  lab:autoroute()
end

-- every host reaches every host (or `sample` pairs of them); with daemons,
-- once they converge, and their sessions are up
lab:expect(hosts):reaches(hosts, { sample = args.sample, within = args.routing and 60 })
if args.routing == "bgp" and (args.daemon or "frr") == "frr" then
  lab:expect(lab:all "router"):state("show bgp summary json",
    function(_, doc)
      for addr, peer in pairs(doc and doc.ipv4Unicast and doc.ipv4Unicast.peers or {}) do
        if peer.state ~= "Established" then return false, addr .. " is " .. tostring(peer.state) end
      end
      return doc and doc.ipv4Unicast ~= nil, "no BGP"
    end, { within = 30, name = "every BGP session is Established" })
elseif args.routing == "bgp" then
  lab:expect(lab:all "router"):state("show protocols",
    function(text)
      for name, state in text:gmatch("\n(n%d+)%s+BGP%s+%S+%s+%S+%s+%S+%s+(%S+)") do
        if state ~= "Established" then return false, name .. " is " .. state end
      end
      return text:find("BGP") ~= nil, "no BGP"
    end, { within = 30, name = "every BGP session is Established" })
end
