-- A k-ary fat-tree (Al-Fares et al., SIGCOMM 2008), addressed and routed:
--   nsrun scenarios/fattree.lua k=8
-- (k/2)^2 core switches, k pods of k/2 aggregation and k/2 edge switches,
-- k/2 hosts per edge switch; every switch a router, ECMP over all shortest
-- paths.  Checks all host pairs for k <= 4, else `sample` pairs (200).
local nsrun = require "nsrun"
local args = args or {}

local k = args.k or 4
local lab = nsrun.lab("fattree", { prefix = args.prefix, dry = args.dry })
local t = lab:fattree(k)
lab:autoaddr { ipv6 = args.ipv6 and "fd00::/96" or nil }
lab:autoroute()
print(("fat-tree k=%d: %d core, %d aggregation, %d edge switches, %d hosts")
  :format(k, #t.core, #t.agg, #t.edge, #t.hosts))
if lab.dry then return end

local res = lab:pingall(t.hosts, k > 4 and { sample = args.sample or 200 } or nil)
print(("%d host pairs checked with ping, %d unreachable"):format(res.pairs, #res.failed))
for _, f in ipairs(res.failed) do
  print(("  %s -> %s (%s): unreachable"):format(f.src, f.dst, f.addr))
end
if not res.ok then error(("%d of %d pairs unreachable"):format(#res.failed, res.pairs)) end
