# scenarios/datacenter.lua: a leaf-spine fabric, addressed and routed by
# nsrun; checked here independently: addresses read back with ip -j, ECMP
# next hops, every host pair with iputils ping, hop counts by TTL.
. "$(dirname "$0")/lib.sh"

check "nsrun datacenter.lua spines=3 leaves=3 hosts=2" \
  "$NSRUN" scenarios/datacenter.lua spines=3 leaves=3 hosts=2
check "3 spines + 3 leaves + 6 hosts = 12 namespaces" \
  bash -c "[ \$(ip netns list | grep -cE '^(spine|leaf|h)[0-9]') = 12 ]"

check "hosts do not forward" bash -c "[ \$(ip netns exec h2-1 sysctl -n net.ipv4.conf.eth0.forwarding) = 0 ]"
check "spines forward" bash -c "! ip -n spine1 netconf show | grep -v '^inet6' | grep -v ' lo ' | grep -q ' forwarding off'"
check "hosts have a default route" bash -c "ip -n h3-2 -j route show default | grep -q gateway"

# every host to every host, with iputils ping, at the addresses the kernel has
ping_all h1-1 h1-2 h2-1 h2-2 h3-1 h3-2
# leaf1 reaches each other leaf's hosts by one route over all 3 spines
remote="$(for h in h2-1 h2-2 h3-1 h3-2; do addr4 $h; done | tr '\n' ' ')"
ecmp=$(ip -n leaf1 -j route show | REMOTE="$remote" pyjson '
import ipaddress, os
bad = []
for a in os.environ["REMOTE"].split():
    ip = ipaddress.ip_address(a)
    best = max((r for r in d if r["dst"] != "default" and ip in ipaddress.ip_network(r["dst"] if "/" in r["dst"] else r["dst"] + "/32")),
               key=lambda r: ipaddress.ip_network(r["dst"] if "/" in r["dst"] else r["dst"] + "/32").prefixlen)
    devs = sorted(h["dev"] for h in best.get("nexthops", [{"dev": best.get("dev")}]))
    if devs != ["eth0", "eth1", "eth2"]: bad.append(a + ":" + ",".join(devs))
print(" ".join(bad) or "ok")')
if [ "$ecmp" = ok ]; then pass "leaf1 reaches the other leaves' hosts over all 3 spines (ECMP)"
else fail "leaf1's routes to other leaves' hosts: $ecmp"; fi
h31=$(addr4 h3-1)
# host -> leaf -> spine -> leaf -> host: the 4th hop is the destination
check "h1-1 -> h3-1 is 4 hops: ttl 3 dies on the way" bash -c \
  "! ip netns exec h1-1 ping -n -c1 -W1 -t 3 $h31"
check "h1-1 -> h3-1 with ttl 4 arrives" ip netns exec h1-1 ping -n -c1 -W2 -t 4 "$h31"
check "nsrun destroy dc" "$NSRUN" destroy dc
expect_clean "after destroy"
finish
