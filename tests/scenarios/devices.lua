-- The devices public labs are made of, built by nsrun and read back from
-- the kernel with iproute2's JSON (ip -d -j, bridge -j), then pinged:
--   router-on-a-stick: 802.1Q subinterfaces on a router's one link, a
--     VLAN-aware bridge with a trunk port and access ports; a host in
--     another VLAN of the same subnet is not reached;
--   VRFs: two customers with the same addresses on one router, a static
--     route in a VRF's table, a policy rule, a dummy loopback;
--   a bond of two links (active-backup), VXLAN over it, a macvlan.
-- A kernel without one of these (vlan, bond, dummy, vrf, VLAN filtering):
-- the clear error, and exit 77 (skipped); tests/qemu runs it on Debian's.
local nsrun = require "nsrun"
local json = require "nsrun.json"
local lab <close> = nsrun.lab("devs", { prefix = args.prefix })

local failed = 0
local function check(what, cond, detail)
  print((cond and "ok   " or "FAIL ") .. what .. (detail and (" (" .. detail .. ")") or ""))
  if not cond then failed = failed + 1 end
end
-- iproute2's JSON for a command run in node
local function j(node, cmd)
  local r = node:exec(cmd)
  return r.ok and json.decode(r.stdout) or {}, r.stderr
end
local function info(node, dev)
  local d = j(node, "ip -d -j link show dev " .. dev)[1] or {}
  return d, (d.linkinfo or {}).info_data or {}
end

local ok, err = pcall(function()
  -- router-on-a-stick
  local r, a, b, x = lab:router "ds-r", lab:host "ds-a", lab:host "ds-b", lab:host "ds-x"
  local sw = lab:bridge("sw", { node = lab:node "ds-sw", vlan_filtering = true })
  sw:trunk(lab:link(r, sw), { 10, 20 })
  sw:access(lab:link(a, sw), 10)
  sw:access(lab:link(b, sw), 20)
  sw:access(lab:link(x, sw), 20)
  r:vlan("eth0", 10):vlan("eth0", 20)
  r:addr("eth0.10", "192.0.2.1/26"):addr("eth0.20", "192.0.2.65/26")
  a:addr("eth0", "192.0.2.10/26"):route("default", { via = "192.0.2.1" })
  b:addr("eth0", "192.0.2.70/26"):route("default", { via = "192.0.2.65" })
  x:addr("eth0", "192.0.2.11/26")

  -- VRFs with the same addresses, a route in one, a rule, a dummy
  local pe, red, blue = lab:router "ds-pe", lab:host "ds-red", lab:host "ds-blue"
  lab:link(pe, "eth0", red, "eth0"); lab:link(pe, "eth1", blue, "eth0")
  pe:dev("red", { type = "vrf", table = 10, members = { "eth0" } })
  pe:dev("blue", { type = "vrf", table = 20, members = { "eth1" } })
  pe:addr("eth0", "198.51.100.1/24"):addr("eth1", "198.51.100.1/24")
  red:addr("eth0", "198.51.100.2/24"); blue:addr("eth0", "198.51.100.2/24")
  pe:route("203.0.113.0/24", { via = "198.51.100.2" }, { vrf = "red" })
  pe:rule { from = "192.0.2.0/24", table = 10, priority = 100 }
  pe:dev("lo1", { type = "dummy" }):addr("lo1", "192.0.2.200/32")
  pe:vlan("eth0", 30, { master = "red" })                -- joins VRF red as it is made

  -- a bond of two links, VXLAN over it, a macvlan on it
  local b1, b2 = lab:node "ds-b1", lab:node "ds-b2"
  lab:link(b1, b2); lab:link(b1, b2)
  for _, n in ipairs { b1, b2 } do
    n:dev("bond0", { type = "bond", mode = "active-backup", miimon = 100, members = { "eth0", "eth1" } })
  end
  b1:addr("bond0", "203.0.113.1/30"); b2:addr("bond0", "203.0.113.2/30")
  b1:dev("vx42", { type = "vxlan", id = 42, remote = "203.0.113.2", ["local"] = "203.0.113.1", dev = "bond0" })
  b2:dev("vx42", { type = "vxlan", id = 42, remote = "203.0.113.1", ["local"] = "203.0.113.2", dev = "bond0" })
  b1:addr("vx42", "192.0.2.129/25"); b2:addr("vx42", "192.0.2.130/25")
  b1:dev("mv0", { type = "macvlan", link = "bond0", mode = "bridge" })
end)
if not ok then
  local msg = tostring(err)
  print(msg)
  if msg:find("this kernel has no", 1, true) or msg:find("cannot filter VLANs", 1, true) then
    os.exit(77)
  end
  error(err, 0)
end
local n = lab.nodes
local r, swn, pe, b1 = n["ds-r"], n["ds-sw"], n["ds-pe"], n["ds-b1"]

local l, d = info(r, "eth0.10")
check("eth0.10: 802.1Q, id 10, on eth0", l.link == "eth0" and d.protocol == "802.1Q" and d.id == 10)
check("ds-r forwards on eth0.20",
  r:exec("cat /proc/sys/net/ipv4/conf/eth0.20/forwarding").stdout:match("^1") ~= nil)
l, d = info(swn, "sw")
check("sw filters VLANs", d.vlan_filtering == 1)
local function vlans(port)
  local t, out = {}, j(swn, "bridge -j vlan show dev " .. port)
  for _, v in ipairs((out[1] or {}).vlans or {}) do
    local flags = {}
    for _, f in ipairs(v.flags or {}) do flags[#flags + 1] = f end
    table.sort(flags)
    t[#t + 1] = v.vlan .. (#flags > 0 and ("(" .. table.concat(flags, ",") .. ")") or "")
  end
  return table.concat(t, " ")
end
local got = vlans "ds-a_eth0"
check("ds-a's port: VLAN 10 only, PVID, untagged", got == "10(Egress Untagged,PVID)", got)
got = vlans "ds-r_eth0"
check("ds-r's port: a trunk of 10 and 20, tagged", got == "10 20", got)
l, d = info(pe, "red")
check("red: a VRF of table 10", l.linkinfo and l.linkinfo.info_kind == "vrf" and d.table == 10)
l = info(pe, "eth1")
check("eth1 is in VRF blue", l.master == "blue")
got = pe:exec("ip route show vrf red").stdout
check("ip route show vrf red: 203.0.113.0/24 via 198.51.100.2",
  got:find("203.0.113.0/24 via 198.51.100.2 dev eth0", 1, true) ~= nil, got)
got = pe:exec("ip rule show").stdout
check("ip rule: 100: from 192.0.2.0/24 lookup 10", got:find("100:%s+from 192.0.2.0/24 lookup 10") ~= nil, got)
l = info(pe, "eth0.30")
check("eth0.30 joined VRF red as it was made, and is up",
  l.master == "red" and l.flags and table.concat(l.flags, ","):find("UP", 1, true) ~= nil)
l = info(pe, "lo1")
check("lo1 is a dummy", l.linkinfo and l.linkinfo.info_kind == "dummy")
l, d = info(b1, "bond0")
check("bond0: active-backup, miimon 100", d.mode == "active-backup" and d.miimon == 100)
check("bond0 has two ports", #j(b1, "ip -j link show master bond0") == 2)
l, d = info(b1, "vx42")
check("vx42: VNI 42 to 203.0.113.2 over bond0, port 4789",
  d.id == 42 and d.remote == "203.0.113.2" and d.link == "bond0" and d.port == 4789)
l, d = info(b1, "mv0")
check("mv0: a macvlan on bond0, mode bridge", l.link == "bond0" and d.mode == "bridge")

lab:expect(n["ds-a"]):reaches(n["ds-b"])                  -- VLAN 10 -> 20 through ds-r
lab:expect(n["ds-a"]):does_not_reach "192.0.2.11"         -- its subnet, another VLAN
lab:expect { n["ds-red"], n["ds-blue"] }:reaches "198.51.100.1"  -- one address, two VRFs
lab:expect(b1):reaches "203.0.113.2"                      -- over the bond
lab:expect(b1):reaches "192.0.2.130"                      -- over VXLAN
for _, res in ipairs(lab.results or {}) do
  check(res.name, res.ok, not res.ok and #res.failures .. " pairs failed" or nil)
end
if failed > 0 then print(failed .. " check(s) failed"); os.exit(1) end
print "all device checks passed"
