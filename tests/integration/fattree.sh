# scenarios/fattree.lua k=4: 20 switches, 16 hosts; every host reaches
# every host (iputils ping, all 240 pairs), edges have multipath routes, and
# a path between pods is 6 hops (host-edge-agg-core-agg-edge-host).
. "$(dirname "$0")/lib.sh"

check "nsrun fattree.lua k=4" "$NSRUN" scenarios/fattree.lua k=4
check "36 namespaces" bash -c "[ \$(ip netns list | grep -cE '^(core|p[0-9]|h[0-9])') = 36 ]"
hosts=$(for p in 1 2 3 4; do for e in 1 2; do for h in 1 2; do echo h$p-$e-$h; done; done; done)
# shellcheck disable=SC2086
ping_all $hosts
far=$(addr4 h4-1-1)
check "p1-edge1 has multipath routes over both aggregation switches" bash -c \
  "ip -n p1-edge1 -j route show proto static | grep -q nexthops"
check "h1-1-1 -> h4-1-1: ttl 5 dies on the way" bash -c "! ip netns exec h1-1-1 ping -n -c1 -W1 -t 5 $far"
check "h1-1-1 -> h4-1-1: ttl 6 arrives" ip netns exec h1-1-1 ping -n -c1 -W2 -t 6 "$far"
check "nsrun destroy fattree" "$NSRUN" destroy fattree
expect_clean "after destroy"

# Dual stack: every IPv4 route has its IPv6 twin (fd00::/96 + the IPv4
# address), multipath too, and IPv6 crosses the fabric.  ping waits up to
# 10 s for the first reply: link-local addresses, which neighbour discovery
# uses, are tentative for a moment after the links come up.
out=$("$NSRUN" scenarios/fattree.lua k=4 ipv6=true 2>&1)
[[ $out == *"36 nodes, 48 links, 216 addresses, 688 routes"* ]] && pass "dual stack k=4: 216 addresses, 688 routes" \
  || fail "dual stack: $out"
check "p1-edge1 has IPv6 multipath routes" bash -c \
  "ip -n p1-edge1 -6 -j route show proto static | grep -q nexthops"
far6=$(ip -n h4-1-1 -j -6 addr show eth0 scope global | pyjson 'print(d[0]["addr_info"][0]["local"])')
check "h1-1-1 -> h4-1-1 over IPv6 ($far6)" ip netns exec h1-1-1 ping -6 -n -c1 -w10 "$far6"
# destroy --wait returns once the kernel has freed the lab's devices: a veth
# pair of the test's own, one end in a lab namespace (freed with it, its
# peer taken along) and the other in a namespace of the test, whose end is
# gone the moment destroy returns.  (Without the wait, the kernel frees the
# lab's 140 devices, 8 of them bridges, in the few hundred ms that follow.)
ip netns add tw-out
ip -n tw-out link add tw-peer type veth peer name tw-in netns p4-edge2
check "nsrun destroy --wait fattree (dual stack)" "$NSRUN" destroy --wait fattree
check "destroy --wait returned once the kernel had freed p4-edge2 (its veth's peer is gone)" \
  bash -c "! ip -n tw-out link show tw-peer"
ip netns del tw-out
expect_clean "after destroying the dual-stack fabric"

# The same witness for nsrun --rm --wait and for nsrun test, which waits
# between scenarios: a scenario hangs a veth of the test's own on an edge
# switch; after the run, or when the next scenario starts, its peer is gone.
tmp=$(mktemp -d)
cat >"$tmp/witness.lua" <<'LUA'
local lab = require("nsrun").lab("wit", { prefix = "wit-" })
local t = lab:fattree(4)
lab:autoaddr()
lab:expect(t.hosts[1]):reaches(t.hosts[2])
assert(os.execute("ip netns add tw-out && ip -n tw-out link add tw-peer type veth peer name tw-in netns wit-p4-edge2"))
LUA
cat >"$tmp/gone.lua" <<'LUA'
local nsrun = require "nsrun"
if os.execute("ip -n tw-out link show tw-peer >/dev/null 2>&1") then nsrun.fail("tw-peer is still there") end
local lab = nsrun.lab("gone", { prefix = "gone-" })
lab:link(lab:host "a", lab:host "b")
lab:autoaddr()
lab:expect(lab.nodes.a):reaches(lab.nodes.b)
LUA
check "nsrun --rm --wait" "$NSRUN" --rm --wait "$tmp/witness.lua"
check "--rm --wait returned once the kernel had freed the lab (its veth's peer is gone)" \
  bash -c "! ip -n tw-out link show tw-peer"
ip netns del tw-out
check "nsrun test: the next scenario starts once the kernel has freed the last one's lab" \
  "$NSRUN" test "$tmp/witness.lua" "$tmp/gone.lua"
ip netns del tw-out
rm -rf "$tmp"
expect_clean "after --rm --wait and nsrun test"
finish
