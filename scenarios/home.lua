-- The tutorial's home network, from plain namespaces:
--   verizon (the ISP) -- router -- bridge "home" -- laptop
-- laptop reaches verizon through router, and back.
local nsrun = require "nsrun"
local args = args or {}   -- set by the nsrun interpreter; empty under plain lua5.4
local lab = nsrun.lab("home", { prefix = args.prefix })

local verizon = lab:node "verizon"
local router  = lab:router "router"
local laptop  = lab:host "laptop"
local home    = lab:bridge "home"                  -- in the host namespace

lab:link(verizon, "eth1", router, "eth0")
lab:link(laptop, "eth1", home)                  -- port: laptop_eth1
lab:link(router, "eth1", home)                  -- port: router_eth1

verizon:addr("eth1", "203.0.113.1/24")
router:addr("eth0", "203.0.113.2/24")
router:addr("eth1", "192.168.1.1/24")
laptop:addr("eth1", "192.168.1.10/24")

laptop:route("default", { via = "192.168.1.1" })
verizon:route("192.168.1.0/24", { via = "203.0.113.2" })

-- prove it: laptop -> verizon through router, and back
lab:expect(laptop):reaches "203.0.113.1"
lab:expect(verizon):reaches(laptop)
