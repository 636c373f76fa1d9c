# scenarios/home.lua: verizon -- router -- bridge home -- laptop; laptop
# reaches verizon through router and back.  With --rm, and with a prefix.
. "$(dirname "$0")/lib.sh"

check "nsrun home.lua exits 0" "$NSRUN" scenarios/home.lua
check "bridge home is in the host namespace" bash -c "ip -j -d link show home | grep -q '\"info_kind\":\"bridge\"'"
ports=$(ip -j link show master home | pyjson 'print(" ".join(sorted(l["ifname"] for l in d)))')
if [ "$ports" = "laptop_eth1 router_eth1" ]; then pass "home's ports are laptop_eth1 router_eth1"
else fail "home's ports: '$ports'"; fi
check "laptop's default route is via 192.168.1.1" \
  bash -c "ip -n laptop -j route show default | grep -q '\"gateway\":\"192.168.1.1\"'"
# forwarding is per interface (what the kernel consults: the ingress device's flag)
check "router forwards" bash -c "ip -n router netconf show dev eth0 | grep -q ' forwarding on' && [ \$(ip netns exec router sysctl -n net.ipv4.conf.eth1.forwarding) = 1 ]"
check "laptop does not forward" bash -c "ip -n laptop netconf show dev eth1 | grep -q ' forwarding off'"
check "a host with two interfaces does not forward; made a router, it does" \
  "$NSRUN" test tests/scenarios/forwarding.lua
check "laptop pings verizon (203.0.113.1) through router" ip netns exec laptop ping -c2 -W2 203.0.113.1
check "verizon pings laptop back" ip netns exec verizon ping -c1 -W2 192.168.1.10
check "the path from laptop to verizon is 2 hops (ttl)" \
  bash -c "ip netns exec laptop ping -c1 -W2 -t 1 203.0.113.1; [ \$? -ne 0 ]"
check "nsrun destroy home" "$NSRUN" destroy home
expect_clean "after destroy"

# Two copies side by side, kept apart by a prefix; --rm removes each.
check "home.lua prefix=t1- --rm" "$NSRUN" --rm scenarios/home.lua prefix=t1-
check "home.lua prefix=t2- and prefix=t3- both up" bash -c \
  "'$NSRUN' scenarios/home.lua prefix=t2- && '$NSRUN' scenarios/home.lua prefix=t3-"
out=$("$NSRUN" scenarios/home.lua prefix=t2- 2>&1)
if [ $? -ne 0 ] && [[ $out == *"lab t2-home exists already"* ]]; then pass "a second lab t2-home is refused"
else fail "a second t2-home: $out"; fi
check "t2-laptop pings t2-verizon" ip netns exec t2-laptop ping -c1 -W2 203.0.113.1
check "t3's bridge has prefixed ports" bash -c "ip -j link show master t3-home | grep -q t3-laptop_eth1"
# two builds at the same time, kept apart by their prefixes
"$NSRUN" scenarios/datacenter.lua prefix=c1- leaves=6 >/dev/null 2>&1 &
p1=$!
"$NSRUN" scenarios/datacenter.lua prefix=c2- leaves=6 >/dev/null 2>&1 &
p2=$!
wait $p1; r1=$?
wait $p2; r2=$?
[ $r1 = 0 ] && [ $r2 = 0 ] && pass "two fabrics built at once, every host reaching every host in each" \
  || fail "concurrent builds: exit $r1 and $r2"
check "c1-h1-1 and c2-h1-1 are separate namespaces" bash -c "ip netns list | grep -q '^c1-h1-1' && ip netns list | grep -q '^c2-h1-1'"
check "destroy --all" "$NSRUN" destroy --all
expect_clean "after --rm and destroy --all"
finish
