-- A k-ary fat-tree (Al-Fares et al., SIGCOMM 2008), addressed and routed:
--   nsrun scenarios/fattree.lua k=8
-- (k/2)^2 core switches, k pods of k/2 aggregation and k/2 edge switches,
-- k/2 hosts per edge switch; every switch a router, ECMP over all shortest
-- paths: static routes, or routing=bgp|ospf daemon=frr|bird (bfd=true) for
-- real daemons in every switch (eBGP as RFC 7938 numbers a fat-tree).
-- Every host must reach every host (sampled above k = 8).
local nsrun = require "nsrun"
local args = args or {}

local k = args.k or 4
local lab = nsrun.lab("fattree", { prefix = args.prefix, dry = args.dry, linklocal = args.linklocal })
local t = lab:fattree(k)
lab:autoaddr { ipv6 = args.ipv6 and "fd00::/96" or nil }
if args.routing then
  lab:autoroute { protocol = args.routing, daemon = args.daemon or "frr", bfd = args.bfd }
else
  lab:autoroute()
end
print(("fat-tree k=%d: %d core, %d aggregation, %d edge switches, %d hosts")
  :format(k, #t.core, #t.agg, #t.edge, #t.hosts))
if lab.dry then return end

-- every host reaches every host: all pairs up to k = 8 (16,256 pairs),
-- else `sample` pairs (default 10,000)
local sample = k > 8 and (args.sample or 10000) or args.sample
lab:expect(t.hosts):reaches(t.hosts, { sample = sample, within = args.routing and (args.within or 120) })
