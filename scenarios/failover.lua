-- A leaf-spine fabric broken on purpose, and how long its traffic is lost:
--   nsrun test scenarios/failover.lua                  (eBGP with BFD, BIRD)
--   nsrun test scenarios/failover.lua daemon=frr
--   nsrun test scenarios/failover.lua routing=ospf
--   nsrun test scenarios/failover.lua routing=static   (fails: see below)
--   nsrun test --plot failover.svg scenarios/failover.lua
-- Three faults, one after another, each undone (and the routes back as
-- they were, lab:expect(...):matches(snapshot)) before the next: leaf1's
-- uplink to spine1 down (a pulled cable), the same link gray (carrier up,
-- every packet dropped: only BFD notices), and spine1 frozen (its daemons
-- stopped with SIGSTOP while its kernel forwards; BGP's hold timer, or
-- BFD, tells its neighbours).  Every host pair must be back within
-- `within` seconds (10) and lose at most `outage` seconds (5).
-- With routing=static the routers skip their own dead links
-- (ignore_routes_with_linkdown) but spine1 keeps sending leaf1's traffic
-- to its dead link: the report names those pairs and where they die.
local nsrun = require "nsrun"
local args = args or {}

local routing = args.routing or "bgp"
local lab = nsrun.lab("failover", { prefix = args.prefix })
local t = lab:leafspine { spines = args.spines or 2, leaves = args.leaves or 3, hosts = args.hosts or 2 }
lab:autoaddr()
if routing == "static" then lab:autoroute()
else lab:autoroute { protocol = routing, daemon = args.daemon or "bird", bfd = args.bfd ~= false } end

local hosts = t.hosts
lab:expect(hosts):reaches(hosts, { within = routing ~= "static" and 60 or nil })
-- the converged state (no route changed for 3 s), each fault measured
-- from it
local routers = lab:all "router"
local steady = lab:settle { quiet = 3, within = 60 }

local uplink = lab.nodes.leaf1.ifaces.eth0      -- leaf1 -- spine1
local spine1 = lab.nodes.spine1
local limits = { outage = args.outage or 5, within = args.within or 10 }
local faults = {
  { "leaf1's uplink to spine1 down", function() uplink:down() end },
  { "leaf1's uplink to spine1 gray", function() uplink:gray() end },
}
if routing ~= "static" then
  faults[#faults + 1] = { "spine1 frozen", function() spine1:freeze() end }
end
for _, f in ipairs(faults) do
  local opts = { name = "hosts survive: " .. f[1] }
  for k, v in pairs(limits) do opts[k] = v end
  lab:expect(hosts):survives(f[2], opts)
  lab:restore()
  lab:expect(routers):matches(steady, { within = 60, name = "routes as before, after: " .. f[1] })
end
