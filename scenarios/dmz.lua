-- A router with a stateful firewall between a LAN and a DMZ, in the
-- tutorial's spirit, tested both ways, with ICMP, TCP and UDP:
--   nsrun test scenarios/dmz.lua
-- The LAN may open the DMZ's web (tcp/443), ssh (tcp/22) and DNS (udp/53)
-- and gets its answers (conntrack: established, related); anything else
-- from the LAN is rejected (ICMP administratively prohibited, from fw);
-- the DMZ may open nothing in the LAN (dropped: filtered); the router
-- itself answers only from the LAN.  The ruleset is nft's own syntax,
-- loaded into the router's namespace by node:nft (libnftables), none of the
-- host's tables touched.  No server runs: nsrun listens on the ports for
-- the checks itself.
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
    iifname "lan" oifname "dmz" tcp dport { 22, 443 } accept
    iifname "lan" oifname "dmz" udp dport 53 accept
    iifname "lan" oifname "dmz" icmp type echo-request accept
    iifname "lan" oifname "dmz" counter reject with icmpx type admin-prohibited comment "lan: only 22, 443, 53"
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

lab:expect(lan):connects(dmz, { tcp = 443 })
lab:expect(lan):connects(dmz, { tcp = 22 })
lab:expect(lan):connects(dmz, { udp = 53 })
lab:expect(lan):does_not_connect(dmz, { tcp = 25, name = "the LAN cannot open smtp in the DMZ (rejected)" })
lab:expect(dmz):does_not_connect(lan, { tcp = 22, name = "the DMZ cannot open ssh in the LAN (dropped)" })
lab:expect(dmz):does_not_connect(lan, { udp = 53, name = "the DMZ cannot ask the LAN's DNS (dropped)" })
lab:expect(lan):connects("192.168.1.1", { tcp = 22, name = "the LAN may ssh to the router" })
lab:expect(dmz):does_not_connect("198.51.100.1", { tcp = 22, name = "the DMZ may not ssh to the router" })
