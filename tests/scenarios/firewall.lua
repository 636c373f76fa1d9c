-- A router with a LAN behind a bridge inside it, and a firewall of its own
-- that drops what it would forward (nftables, as `iptables -P FORWARD DROP`
-- makes it): the LAN's hosts still reach each other -- a lab's bridge is a
-- switch, its frames skip the router's netfilter -- and what the router
-- would forward is lost, the diagnosis naming the chain.  `nsrun test`
-- must fail on the last expectation only.
local nsrun = require "nsrun"
local lab = nsrun.lab("fw", { prefix = args and args.prefix })
local r = lab:router "fw-r"
local lan = lab:bridge("lan", { node = r })
local a, b, c = lab:host "fw-a", lab:host "fw-b", lab:host "fw-c"
lab:link(a, lan); lab:link(b, lan)
lab:link(r, "eth0", c, "eth0")
lan:addr "192.0.2.1/24"
a:addr("eth0", "192.0.2.10/24"):route("default", { via = "192.0.2.1" })
b:addr("eth0", "192.0.2.11/24"):route("default", { via = "192.0.2.1" })
r:addr("eth0", "198.51.100.1/24")
c:addr("eth0", "198.51.100.10/24"):route("default", { via = "198.51.100.1" })
r:nft [[
table ip filter {
  chain FORWARD { type filter hook forward priority 0; policy drop; }
}
]]
lab:expect(a):reaches(b, { name = "the LAN's hosts reach each other across the router's bridge" })
lab:expect(a):reaches(r, { name = "and the router" })
lab:expect(a):reaches(c, { name = "what the router forwards is dropped" })
