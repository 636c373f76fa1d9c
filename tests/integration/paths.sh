# Beyond ping: paths, MTU and throughput, each checked from outside nsrun.
# Paths: in a leaf-spine with four spines, reaches { via, path, spread }
# and `nsrun path` agree with what the kernel says of the same flow (ip
# route get ... ipproto udp sport 44000 dport 33434 at each hop), flows of
# one pair use all four spines (the routers hash the 5-tuple), a wrong via
# or path fails naming the path taken.  MTU: a 9000-byte fabric with one
# 1500-byte bridge port and one 1500-byte routed link: echoes of 8972 bytes
# with Don't Fragment fail naming the interface (ip link agrees, ping -M do
# fails), the router's "fragmentation needed" named with the next hop's MTU
# and its interface; without DF the router
# fragments; the build warns of the segment whose MTUs differ.
# Throughput (iperf3): a link limited to 50mbit gives 40 but not 80; a
# CPU-bound measure is not judged unless strict.  Bad inputs: one error
# each at the script's line; nothing left.
. "$(dirname "$0")/lib.sh"

tmp=$(mktemp -d)
on_exit 'rm -rf "$tmp"'

# ---------------------------------------------------------------- paths
check "a leaf-spine of four spines left up" "$NSRUN" scenarios/datacenter.lua prefix=p- spines=4 leaves=2 hosts=1
addr_h21=$(ip -n p-h2-1 -4 -o addr show dev eth0 | awk '{print $4}' | cut -d/ -f1)
addr_h11=$(ip -n p-h1-1 -4 -o addr show dev eth0 | awk '{print $4}' | cut -d/ -f1)
out=$("$NSRUN" path p-dc h1-1 h2-1 2>&1); rc=$?
echo "$out"
spine=$(echo "$out" | sed -n 's/.*-> leaf1 -> \(spine[0-9]\) -> leaf2 -> h2-1$/\1/p')
[ $rc = 0 ] && [ -n "$spine" ] && pass "nsrun path: h1-1 -> leaf1 -> $spine -> leaf2 -> h2-1" || fail "nsrun path: exit $rc: $out"
# the kernel's choice for that flow at leaf1 (the source port of flow 1)
in_if=$(ip -n p-leaf1 -4 -o addr show | awk -v a="${addr_h11%.*}." 'index($4, a) == 1 {print $2}')
dev=$(ip -n p-leaf1 route get "$addr_h21" from "$addr_h11" iif "$in_if" ipproto udp sport 44000 dport 33434 | sed -n 's/.* dev \([^ ]*\).*/\1/p')
ip -n "p-$spine" -4 -o addr show | grep -q "$(ip -n p-leaf1 route get "$addr_h21" from "$addr_h11" iif "$in_if" ipproto udp sport 44000 dport 33434 | sed -n 's/.* via \([^ ]*\).*/\1/p')" \
  && pass "ip route get at p-leaf1 (udp sport 44000) sends the flow to $spine, via $dev" \
  || fail "ip route get at p-leaf1 disagrees with nsrun path ($spine): $(ip -n p-leaf1 route get "$addr_h21" from "$addr_h11" iif "$in_if" ipproto udp sport 44000 dport 33434)"
[ "$(ip netns exec p-leaf1 sysctl -n net.ipv4.fib_multipath_hash_policy)" = 1 ] \
  && pass "p-leaf1 hashes the 5-tuple (fib_multipath_hash_policy 1)" || fail "hash policy of p-leaf1"
out=$("$NSRUN" path p-dc h1-1 h2-1 --flows 32 2>&1)
n=$(echo "$out" | grep -c -- '-> leaf2 -> h2-1 (')
[ "$n" = 4 ] && pass "nsrun path --flows 32: 4 distinct paths, one per spine" || fail "32 flows: $out"
check "nsrun path to an unknown node: exit 1" bash -c "! '$NSRUN' path p-dc h1-1 nosuch"
cat >"$tmp/paths.lua" <<LUA
local nsrun = require "nsrun"
local lab = nsrun.lab "pp"
local t = lab:leafspine { spines = 4, leaves = 2, hosts = 1 }
lab:autoaddr()
lab:autoroute()
local h1, h2 = t.hosts[1], t.hosts[2]
lab:expect(h1):reaches(h2, { via = "leaf2", name = "via leaf2" })
lab:expect(h1):reaches(h2, { spread = 4, name = "spread 4" })
lab:expect(t.hosts):reaches(t.hosts, { spread = 4, name = "all pairs spread 4" })
lab:expect(h1):reaches(h2, { spread = 5, name = "spread 5" })
lab:expect(h1):reaches(h2, { via = { "leaf1", "spine1", "spine2" }, flows = 16, name = "via two spines" })
LUA
out=$("$NSRUN" test "$tmp/paths.lua" 2>&1); rc=$?
echo "$out"
[[ $out == *"ok   via leaf2 (1 pair"*"path h1-1 -> leaf1 -> spine"*"-> leaf2 -> h2-1)"* ]] && pass "via leaf2 holds, the path shown" || fail "via leaf2: $out"
[[ $out == *"ok   spread 4 (1 pair"*"4 paths over 16 flows"* ]] && pass "16 flows of one pair take the 4 spines" || fail "spread 4: $out"
[[ $out == *"ok   all pairs spread 4"* ]] && pass "every pair's flows take the 4 spines" || fail "all pairs: $out"
[[ $out == *"FAIL spread 5"*"20 flows took 4 paths, fewer than 5"* ]] && pass "spread 5 of 4 spines fails, the paths named" || fail "spread 5: $out"
[[ $out == *"FAIL via two spines"*"not via spine"*"of 16 flows"* ]] && pass "via two spines at once fails for the flows that miss one" || fail "via two: $out"
[ $rc = 1 ] && pass "exit 1 with failed path expectations" || fail "paths exit $rc"
check "nsrun destroy p-dc" "$NSRUN" destroy p-dc

# ------------------------------------------------------------------ MTU
cat >"$tmp/mtu.lua" <<'LUA'
-- h1 -- r1 -- sw (bridge) -- r2 -- h2 at 9000 bytes, but the bridge's port
-- to r2 left at 1500; r1 -- r3 at 1500 both ends, r3 -- h3 at 9000
local nsrun = require "nsrun"
local lab = nsrun.lab "mtu"
local h1, h2, h3 = lab:host "m-h1", lab:host "m-h2", lab:host "m-h3"
local r1, r2, r3 = lab:router "m-r1", lab:router "m-r2", lab:router "m-r3"
local sw = lab:bridge("msw", { node = lab:node "m-sw" })
lab:link(h1, r1, { mtu = 9000 })
lab:link(r1, sw, { mtu = 9000 })
lab:link(r2, sw)
r2:set("eth0", { mtu = 9000 })
lab:link(r2, h2, { mtu = 9000 })
lab:link(r1, r3)
lab:link(r3, h3, { mtu = 9000 })
lab:autoaddr()
lab:autoroute()
lab:expect(h1):reaches(h2, { name = "small echoes cross" })
lab:expect(h1):reaches(h2, { size = 8972, df = true, name = "jumbo to h2" })
lab:expect(h1):reaches(h3, { size = 8972, df = true, name = "jumbo to h3, DF" })
lab:expect(h1):reaches(h3, { size = 8972, name = "jumbo to h3, fragmented" })
lab:expect(h1):reaches(r1, { size = 8972, df = true, name = "jumbo to r1" })
LUA
out=$("$NSRUN" "$tmp/mtu.lua" 2>&1); rc=$?
echo "$out"
[ $rc = 1 ] && [[ $out == *"warning: lab mtu: MTUs differ on one segment: m-r1:eth1 9000, m-sw:m-r1_eth1 9000, m-r2:eth0 9000, m-sw:m-r2_eth0 1500"* ]] \
  && pass "the build warns of the segment whose MTUs differ" || fail "mtu warning: exit $rc: $out"
[[ $out == *"jumbo to h2"*"m-sw:m-r2_eth0 has MTU 1500, below the 9000-byte packet (link m-r2:eth0 -- m-sw:m-r2_eth0)"* ]] \
  && pass "jumbo echoes die on the bridge's 1500-byte port: named" || fail "bridge mtu: $out"
[[ $out == *"jumbo to h3, DF"*"fragmentation needed (from m-r1), next hop MTU 1500; m-r1:eth2 has MTU 1500, below the 9000-byte packet (link m-r1:eth2 -- m-r3:eth0)"* ]] \
  && pass "a router's fragmentation needed: named, with the next hop's MTU and the interface" || fail "router mtu: $out"
[[ $out == *"ok   jumbo to h3, fragmented"* ]] && [[ $out == *"ok   jumbo to r1"* ]] \
  && pass "without DF the router fragments; 9000 bytes reach r1" || fail "fragmented: $out"
check "ip link agrees: m-sw's port m-r2_eth0 has mtu 1500" bash -c "ip -n m-sw link show m-r2_eth0 | grep -q 'mtu 1500 '"
h2=$(ip -n m-h2 -4 -o addr show dev eth0 | awk '{print $4}' | cut -d/ -f1)
check "ping -M do -s 8972 from m-h1 to m-h2 fails too" bash -c "! ip netns exec m-h1 ping -n -c1 -W1 -M do -s 8972 $h2"
check "ping -s 1000 from m-h1 to m-h2 passes" ip netns exec m-h1 ping -n -c1 -W1 -s 1000 "$h2"
check "nsrun destroy mtu" "$NSRUN" destroy mtu

# ----------------------------------------------------------- throughput
if command -v iperf3 >/dev/null; then
  cat >"$tmp/tp.lua" <<'LUA'
local nsrun = require "nsrun"
local lab = nsrun.lab "tp"
local a, b, c = lab:host "tp-a", lab:host "tp-b", lab:host "tp-c"
lab:link(a, b)
lab:link(a, c, { rate = "50mbit" })
a:addr("eth0", "192.0.2.1/24"); b:addr("eth0", "192.0.2.2/24")
a:addr("eth1", "198.51.100.1/24"); c:addr("eth0", "198.51.100.2/24")
lab:expect(a):throughput(c, { at_least = "40mbit", seconds = 2, name = "40 of 50" })
lab:expect(a):throughput(c, { at_least = "80mbit", seconds = 1, name = "80 of 50" })
lab:expect(a):throughput(b, { at_least = "10000gbit", seconds = 1, name = "cpu-bound" })
lab:expect(a):throughput(b, { at_least = "10000gbit", seconds = 1, strict = true, name = "cpu-bound, strict" })
LUA
  out=$("$NSRUN" test --json "$tmp/tp.json" "$tmp/tp.lua" 2>&1); rc=$?
  echo "$out"
  bps=$(pyjson 'r=d["scenarios"][0]["results"][0]; print(int(r["measure"]["bits_per_second"]))' <"$tmp/tp.json")
  [[ $out == *"ok   40 of 50"* ]] && [ "${bps:-0}" -gt 40000000 ] && [ "${bps:-0}" -lt 52000000 ] \
    && pass "a 50mbit link gives $bps bit/s, at least 40mbit (iperf3's JSON)" || fail "40 of 50: $bps: $out"
  [[ $out == *"FAIL 80 of 50"*"below 80.0 Mbit/s; CPU: iperf3's sender"* ]] && pass "80mbit of a 50mbit link fails, the CPU seen said" || fail "80 of 50: $out"
  [[ $out == *"skip cpu-bound"*"(the CPU was the limit)"* ]] && [[ $out == *"FAIL cpu-bound, strict"* ]] \
    && pass "CPU-bound: not judged, unless strict" || fail "cpu-bound: $out"
  [ $rc = 1 ] && pass "exit 1" || fail "throughput exit $rc"
else
  echo "skip: iperf3 is not installed: no throughput checks"
fi

# ----------------------------------------------------------------- IPv6
cat >"$tmp/v6.lua" <<'LUA'
local nsrun = require "nsrun"
local lab = nsrun.lab "v6"
local t = lab:leafspine { spines = 2, leaves = 2, hosts = 1 }
lab:autoaddr { ipv6 = "fd00::/96" }
lab:autoroute()
local h1, a6 = t.hosts[1], t.hosts[2]:ip(6)
lab:expect(h1):connects(a6, { tcp = 443, within = 5, name = "v6 tcp" })
lab:expect(h1):connects(a6, { udp = 53, name = "v6 udp" })
lab:expect(h1):connects(a6, { udp = 9, listen = false, name = "v6 udp closed" })
lab:expect(h1):reaches(a6, { spread = 2, name = "v6 spread" })
lab:expect(h1):reaches(a6, { size = 3000, df = true, name = "v6 too big" })
LUA
out=$("$NSRUN" test "$tmp/v6.lua" 2>&1); rc=$?
echo "$out"
[[ $out == *"ok   v6 tcp"* ]] && [[ $out == *"ok   v6 udp ("* ]] && [[ $out == *"ok   v6 spread (1 pair"*"2 paths over 16 flows"* ]] \
  && pass "IPv6: TCP and UDP connect, flows over both spines" || fail "v6: $out"
[[ $out == *"refused: port unreachable (from h2-1)"* ]] && [[ $out == *"h1-1:eth0 has MTU 1500, below the 3048-byte packet"* ]] \
  && pass "IPv6: port unreachable from h2-1; a packet too big for the source's own link named" || fail "v6 failures: $out"

# ----------------------------------------------------------- bad inputs
bad() {  # name, expected message, lua lines
  printf 'local nsrun = require "nsrun"\nlocal lab = nsrun.lab "bad"\nlocal a, b = lab:host "bad-a", lab:host "bad-b"\nlab:link(a, b)\na:addr("eth0", "192.0.2.1/24"); b:addr("eth0", "192.0.2.2/24")\n%s\n' "$3" >"$tmp/bad.lua"
  out=$("$NSRUN" "$tmp/bad.lua" 2>&1); rc=$?
  [ $rc = 1 ] && [[ $out == *"$2"* ]] && [ "$(echo "$out" | grep -c .)" -le 2 ] \
    && pass "$1: exit 1, $out" || fail "$1: exit $rc: $out"
}
bad "port 0" "bad.lua:6: connects: tcp port 0: a port is an integer 1..65535" 'lab:expect(a):connects(b, { tcp = 0 })'
bad "port 70000" "bad.lua:6: does_not_connect: udp port 70000: a port is an integer 1..65535" 'lab:expect(a):does_not_connect(b, { udp = 70000 })'
bad "no protocol" "bad.lua:6: connects: say which service: { tcp = port } or { udp = port }" 'lab:expect(a):connects(b, { within = 1 })'
bad "unknown node in a path" "bad.lua:6: reaches: path: lab bad has no node spine9" 'lab:expect(a):reaches(b, { path = { "bad-a", "spine9" } })'
bad "unknown via" "bad.lua:6: reaches: via: lab bad has no node nosuch" 'lab:expect(a):reaches(b, { via = "nosuch" })'
bad "size below the header" "bad.lua:6: reaches: size 8: the bytes of data in each echo, as ping -s, 32..65507" 'lab:expect(a):reaches(b, { size = 8, df = true })'
bad "spread 0" "bad.lua:6: reaches: spread 0: an integer 1..256" 'lab:expect(a):reaches(b, { spread = 0 })'
bad "a rate that is none" "bad.lua:6: throughput: at_least \"fast\": a rate like 10mbit" 'lab:expect(a):throughput(b, { at_least = "fast" })'
expect_clean "after paths, MTU, throughput and bad inputs"
finish
