-- A router with a stateful firewall between a LAN and a DMZ, in the
-- tutorial's spirit, tested both ways:
--   nsrun test scenarios/dmz.lua
-- The LAN may open anything in the DMZ and gets its answers (conntrack:
-- established, related); the DMZ may open nothing in the LAN; the router
-- itself answers only from the LAN.  The ruleset is nft's own syntax,
-- loaded into the router's namespace by node:nft (libnftables), none of the
-- host's tables touched.
local nsrun = require "nsrun"
local args = args or {}
local lab = nsrun.lab("dmz", { prefix = args.prefix })
local fw = lab:router "fw"
local lan, dmz = lab:host "laptop", lab:host "web"
lab:link(lan, "eth0", fw, "lan")
lab:link(dmz, "eth0", fw, "dmz")
fw:addr("lan", "192.168.1.1/24"):addr("dmz", "198.51.100.1/24")
lan:addr("eth0", "192.168.1.10/24"):route("default", { via = "192.168.1.1" })
dmz:addr("eth0", "198.51.100.80/24"):route("default", { via = "198.51.100.1" })

fw:nft [[
table inet filter {
  chain forward {
    type filter hook forward priority 0; policy drop;
    ct state established,related accept
    iifname "lan" oifname "dmz" accept
    counter comment "dmz to lan: dropped"
  }
  chain input {
    type filter hook input priority 0; policy drop;
    ct state established,related accept
    iifname "lo" accept
    iifname "lan" accept
  }
}
]]

lab:expect(lan):reaches(dmz, { name = "the LAN reaches the DMZ (and gets its answers)" })
lab:expect(dmz):does_not_reach(lan, { name = "the DMZ does not reach the LAN" })
lab:expect(lan):reaches("192.168.1.1", { name = "the router answers the LAN" })
lab:expect(dmz):does_not_reach("198.51.100.1", { name = "the router does not answer the DMZ" })
