# Layer 2 and the devices public labs are made of, each checked with
# iproute2 and ping: Mininet's tree of switches (bridges linked to bridges);
# tests/scenarios/devices.lua (router-on-a-stick with 802.1Q subinterfaces
# and a VLAN-aware bridge, VRFs with overlapping addresses, a rule, dummy,
# bond, VXLAN, macvlan) where the kernel has them; VXLAN, a route table and
# a rule, a macvlan in the host's namespace; bad options; nothing left.
. "$(dirname "$0")/lib.sh"

tmp=$(mktemp -d)
on_exit 'rm -rf "$tmp"'
ping1() { ip netns exec "$1" ping -n -c1 -W2 "$2" >/dev/null 2>&1; }

# Mininet's TreeTopo(depth=2, fanout=2): switches s1 over s2, s3 (Linux
# bridges in the host's namespace, as Mininet's LinuxBridge), h1..h4
cat >"$tmp/tree.lua" <<'LUA'
local lab = require("nsrun").lab("tree", { prefix = "dv" })   -- lab dvtree
local t = lab:tree(2, 2, { switches = true })   -- s1 over s2, s3; h1..h4
assert(#t.switches == 3 and #t.hosts == 4)
lab:autoaddr()
lab:bridge("s9", { stp = true })
assert(lab:static_arp() == 12, "4 hosts: 12 neighbour entries")
t.hosts[1]:neigh("h1-eth0", "10.0.0.99", "02:00:00:00:00:99")
lab:expect(t.hosts):reaches(t.hosts)
LUA
check "nsrun tree.lua (lab:tree(2, 2, { switches = true }))" "$NSRUN" "$tmp/tree.lua"
check "dvs9 runs the spanning tree" bash -c "ip -d -j link show dvs9 | grep -q '\"stp_state\":1'"
check "dvs1 does not" bash -c "ip -d -j link show dvs1 | grep -q '\"stp_state\":0'"
check "dvs2's ports, named as Mininet names them: two hosts, then its uplink" bash -c \
  "[ \"\$(ip -j link show master dvs2 | pyjson 'print(\" \".join(sorted(l[\"ifname\"] for l in d)))')\" = 'dvs2-eth1 dvs2-eth2 dvs2-eth3' ]"
check "dvs1-eth1 is a port of dvs1, its peer dvs2-eth3 (Mininet's s1-eth1<->s2-eth3)" bash -c \
  "ip -j link show dvs1-eth1 | pyjson 'l=d[0]; assert l[\"master\"]==\"dvs1\" and l[\"link\"]==\"dvs2-eth3\"'"
check "one subnet, in the order the hosts were linked: dvh4 is 10.0.0.4" bash -c \
  "ip -n dvh4 -br -4 addr show h4-eth0 | grep -q '10.0.0.4/24'"
check "no address on the switches (the host is not in the lab's network)" bash -c \
  "[ -z \"\$(ip -4 -br addr show dev dvs1 | awk '{print \$3}')\" ]"
check "dvh1 pings dvh4 across three switches" ping1 dvh1 10.0.0.4
check "nsrun inspect dvtree: where each switch port leads" bash -c \
  "'$NSRUN' inspect dvtree | grep -qx 'dvs1: dvs1-eth1 -> bridge dvs2 (dvs2-eth3), dvs1-eth2 -> bridge dvs3 (dvs3-eth3)'"
check "lab:static_arp(): dvh1 knows dvh4's MAC, permanently" bash -c \
  "[ \"\$(ip -n dvh1 -j neigh show 10.0.0.4 | pyjson 'print(d[0][\"lladdr\"], d[0][\"state\"][0])')\" = \"\$(ip -n dvh4 -j link show h4-eth0 | pyjson 'print(d[0][\"address\"])') PERMANENT\" ]"
check "node:neigh: 10.0.0.99 at 02:00:00:00:00:99 in dvh1" bash -c \
  "ip -n dvh1 neigh show 10.0.0.99 | grep -q '02:00:00:00:00:99 PERMANENT'"
check "nsrun destroy dvtree" "$NSRUN" destroy dvtree
expect_clean "after the tree of switches"

# An echo lost behind a bridge in the host's namespace: where the host
# passes bridged packets through iptables, the diagnosis says so
cat >"$tmp/lost.lua" <<'LUA'
local lab = require("nsrun").lab "dvlost"
local br, a, b = lab:bridge "dvlbr", lab:host "dvl1", lab:host "dvl2"
lab:link(a, br); lab:link(b, br)
lab:autoaddr()
b:sysctl("net.ipv4.icmp_echo_ignore_all", "1")   -- dvl2 answers no echo
lab:expect(a):reaches(b)
LUA
out=$("$NSRUN" test "$tmp/lost.lua" 2>&1); rc=$?
hint="bridge dvlbr is in the host's namespace, where bridged packets go through iptables"
if [ "$(cat /proc/sys/net/bridge/bridge-nf-call-iptables 2>/dev/null)" = 1 ]; then
  [ $rc = 1 ] && [[ $out == *"the echo was lost"*"$hint"* ]] \
    && pass "an echo lost behind a host bridge: the diagnosis names br_netfilter" || fail "lost echo: exit $rc: $out"
else
  [ $rc = 1 ] && [[ $out == *"the echo was lost"* && $out != *"$hint"* ]] \
    && pass "an echo lost (no br_netfilter here: no word of it)" || fail "lost echo: exit $rc: $out"
fi
expect_clean "after the lost echo"

# scenarios/mininet.lua: `mn --topo linear,3 --arp` and a tree, pingall
for a in "topo=linear,3 arp=1" "topo=tree,depth=2,fanout=3" "topo=single,4 link=tc,bw=10"; do
  out=$("$NSRUN" --rm scenarios/mininet.lua $a prefix=t- 2>&1); rc=$?
  [ $rc = 0 ] && [[ $out == *"1 passed, 0 failed"* ]] && pass "scenarios/mininet.lua $a: pingall passes" \
    || fail "mininet.lua $a: exit $rc: $out"
done
out=$("$NSRUN" scenarios/mininet.lua topo=torus 2>&1); rc=$?
[ $rc = 1 ] && [[ $out == *"topo=torus: not one of minimal, single, linear, tree"* ]] \
  && pass "mininet.lua topo=torus: a clear error" || fail "topo=torus: exit $rc: $out"
expect_clean "after scenarios/mininet.lua"

# Router-on-a-stick, VRFs, dummy, bond, VXLAN, macvlan: the scenario checks
# itself (ip -d -j, bridge -j, pings).  A kernel without 8021q, bonding,
# dummy, vrf or VLAN filtering (some cloud kernels): one clear error and
# exit 77; tests/qemu runs it on Debian's stock kernel, which has them all.
out=$("$NSRUN" --rm tests/scenarios/devices.lua prefix=t- 2>&1); rc=$?
if [ $rc = 0 ]; then pass "devices.lua: $(echo "$out" | grep -c '^ok') checks passed"
elif [ $rc = 77 ] && [[ $out == *"this kernel has no"* || $out == *"cannot filter VLANs"* ]]; then
  pass "devices.lua on this kernel: $(echo "$out" | head -1 | sed 's/.*: //') (tests/qemu checks them)"
else fail "devices.lua: exit $rc: $out"; fi
expect_clean "after devices.lua"

# What every kernel here has: VXLAN between two nodes, a route in a table of
# its own and the rule that selects it, a macvlan in the host's namespace on
# the lab's own veth end (removed with the lab)
cat >"$tmp/vx.lua" <<'LUA'
local lab = require("nsrun").lab "dvvx"
local a, b = lab:node "dvva", lab:node "dvvb"
lab:link(a, b)
a:addr("eth0", "203.0.113.1/30"); b:addr("eth0", "203.0.113.2/30")
a:dev("vx7", { type = "vxlan", id = 7, remote = "203.0.113.2", dev = "eth0", dstport = 4790, learning = false })
b:dev("vx7", { type = "vxlan", id = 7, remote = "203.0.113.1", dev = "eth0", dstport = 4790, learning = false })
a:addr("vx7", "192.0.2.1/24"); b:addr("vx7", "192.0.2.2/24")
a:route("198.51.100.0/24", { via = "192.0.2.2" }, { table = 100 })
a:rule { to = "198.51.100.0/24", table = 100, priority = 1000 }
b:addr("lo", "198.51.100.7/32")
lab:link(lab.root, "dvv0", lab:node "dvvc", "eth0")
lab.root:dev("dvmv0", { type = "macvlan", link = "dvv0", mode = "private" })
lab:expect(a):reaches "192.0.2.2"
lab:expect(a):reaches "198.51.100.7"
LUA
check "nsrun vx.lua (VXLAN, a route table and a rule, a macvlan)" "$NSRUN" "$tmp/vx.lua"
check "vx7: VNI 7 to 203.0.113.2 over eth0, port 4790, no learning" bash -c \
  "ip -n dvva -d -j link show vx7 | pyjson 'i=d[0][\"linkinfo\"][\"info_data\"]; assert i[\"id\"]==7 and i[\"remote\"]==\"203.0.113.2\" and i[\"link\"]==\"eth0\" and i[\"port\"]==4790 and not i[\"learning\"]'"
check "dvva pings dvvb over VXLAN" ping1 dvva 192.0.2.2
check "ip route show table 100: 198.51.100.0/24 via 192.0.2.2" bash -c \
  "ip -n dvva route show table 100 | grep -q '198.51.100.0/24 via 192.0.2.2 dev vx7'"
check "not in the main table" bash -c "! ip -n dvva route show table main | grep -q 198.51.100.0"
check "ip rule: 1000: to 198.51.100.0/24 lookup 100" bash -c "ip -n dvva rule show | grep -q '^1000:.*to 198.51.100.0/24 lookup 100'"
check "dvva reaches 198.51.100.7 by the rule's table" ping1 dvva 198.51.100.7
check "the host's dvmv0: a macvlan on dvv0, mode private" bash -c \
  "ip -d -j link show dvmv0 | pyjson 'l=d[0]; assert l[\"link\"]==\"dvv0\" and l[\"linkinfo\"][\"info_data\"][\"mode\"]==\"private\"'"
check "nsrun inspect dvvx dvva: vx7 is a vxlan" bash -c "'$NSRUN' inspect dvvx dvva | grep -qE 'vx7 +\\(vxlan\\) +192.0.2.1/24'"
check "nsrun destroy dvvx" "$NSRUN" destroy dvvx
check "the host's dvmv0 and dvv0 went with the lab" bash -c "! ip link show dvmv0 2>/dev/null && ! ip link show dvv0 2>/dev/null"
expect_clean "after the VXLAN lab"

# bad options: one error naming the line and the device; nothing left
bad() {
  printf 'local lab = require("nsrun").lab "dvbad"\nlocal n = lab:node "dvn"\n%s\n' "$1" >"$tmp/bad.lua"
  out=$(cd "$tmp" && "$NSRUN" bad.lua 2>&1); rc=$?
  if [ $rc = 1 ] && [[ $out == *"$2"* ]]; then pass "$2"; else fail "$1: exit $rc: $out"; fi
  expect_clean "after: $1"
}
bad 'lab:link(n, lab:node "dvm"); n:vlan("eth0", 5000)' 'bad.lua:3: vlan eth0.5000 in dvn: id 5000 is not 1..4094'
bad 'n:vlan("eth9", 10)' 'bad.lua:3: vlan eth9.10 in dvn: link eth9: No such device'
bad 'n:neigh("lo", "192.0.2.1", "02:00:00:00:00")' 'bad.lua:3: neighbour 192.0.2.1 on lo in dvn: "02:00:00:00:00" is not a MAC address'
bad 'lab.root:rule { to = "192.0.2.0/24", table = 100 }' 'bad.lua:3: rule in host: rules belong in the lab'"'"'s own nodes'
bad 'lab.root:dev("dvvrf0", { type = "vrf", table = 10 })' 'bad.lua:3: dev dvvrf0 in the host'"'"'s namespace: a VRF belongs in a node of the lab'
bad 'n:route("default", { dev = "lo" }, { vrf = "v1", table = 5 })' 'bad.lua:3: route default in dvn: table or vrf, not both'
bad 'n:dev("b0", { type = "bond", mode = "fastest" })' 'bad.lua:3: bond b0 in dvn: mode "fastest" is not one of balance-rr, active-backup'
bad 'n:dev("t0", { type = "tun" })' 'bad.lua:3: dev t0 in dvn: type "tun" is not one of dummy, vlan'
bad 'n:dev("v0", { type = "vrf", table = 254 })' 'bad.lua:3: vrf v0 in dvn: table 254 is not'
bad 'n:dev("x0", { type = "vxlan", id = 1, remote = "not-an-ip" })' 'bad.lua:3: vxlan x0 in dvn: remote "not-an-ip" is not an address'
bad 'n:route("default", { dev = "lo" }, { vrf = "none" })' 'bad.lua:3: route default in dvn: no vrf none'
bad 'n:rule { from = "192.0.2.0/24" }' "bad.lua:3: bad argument #1 to 'rule' (table = n or vrf = name expected)"
bad 'local br = lab:bridge("dvbr"); br:vlan("nope0", 10)' 'bad.lua:3: interface nope0 in the host namespace: No such device'
bad 'local br = lab:bridge("dvbr"); br:vlan(lab:link(n, lab:node "dvm"), 10)' 'bad.lua:3: vlan: link dvn:eth0 -- dvm:eth0 has no end on bridge dvbr'
bad 'lab:bridge("dvbr2", { stpp = true })' "bad.lua:3: bad argument #2 to 'bridge' (unknown option \"stpp\")"
finish
