-- The tutorial's three levels of namespaces, exactly:
--   host: veth0a  <->  levela: veth1a (172.16.1.0/24)
--   levela: veth0b <-> levelb: veth1b (10.1.1.1/24)
--   levelb: veth0c <-> levelc: veth1c (192.168.1.1/24)
-- then: ip netns exec levela ip route list
local nsrun = require "nsrun"
local args = args or {}   -- set by the nsrun interpreter; empty under plain lua5.4
local lab = nsrun.lab("levels", { prefix = args.prefix })

local levela = lab:node "levela"
local levelb = lab:node "levelb"
local levelc = lab:node "levelc"

lab:link(lab.root, "veth0a", levela, "veth1a")   -- veth0a stays in the host
lab:link(levela, "veth0b", levelb, "veth1b")
lab:link(levelb, "veth0c", levelc, "veth1c")

levela:addr("veth1a", "172.16.1.0/24")
levelb:addr("veth1b", "10.1.1.1/24")
levelc:addr("veth1c", "192.168.1.1/24")

-- as in the tutorial there are no routes: each level reaches its own
-- neighbour, nothing further
lab:expect(levela):reaches "172.16.1.0"
lab:expect(levela):does_not_reach "192.168.1.1"
