-- A chain of three routers with hosts, one static route left out on
-- purpose: `nsrun test` must fail and say where (r2 has no route back).
local nsrun = require "nsrun"
local lab = nsrun.lab "broken-route"
local t = lab:linear(3, { hosts = 1 })        -- r1 - r2 - r3, h1-1 h2-1 h3-1
lab:autoaddr()
lab:autoroute()
-- r2 forgets how to reach h3-1's segment
local r2, h3 = lab.nodes.r2, lab.nodes["h3-1"]
local seg = h3.addrs[1].cidr:gsub("%.%d+/24$", ".0/24")
r2.ns:route_del(seg)
lab:expect(lab.nodes["h1-1"]):reaches(lab.nodes["h2-1"])    -- holds
lab:expect(lab.nodes["h1-1"]):reaches(h3)                   -- fails at r2
lab:expect(lab.nodes["h1-1"]):does_not_reach "192.0.2.1"    -- holds: nobody has it
