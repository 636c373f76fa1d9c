# scenarios/datacenter.lua: a leaf-spine fabric where every host reaches
# every host; checked here with ip -j route and iputils ping, independently.
. "$(dirname "$0")/lib.sh"

check "nsrun datacenter.lua spines=3 leaves=3 hosts=2" \
  "$NSRUN" scenarios/datacenter.lua spines=3 leaves=3 hosts=2
check "9 + 6 namespaces" bash -c "[ \$(ip netns list | grep -cE '^(spine|leaf|h)[0-9]') = 12 ]"
hops=$(ip -n leaf1 -j route show 10.1.0.0/16 | pyjson 'print(" ".join(sorted(h["gateway"] for h in d[0]["nexthops"])))')
if [ "$hops" = "10.0.0.0 10.0.0.2 10.0.0.4" ]; then pass "leaf1 has one ECMP route over the 3 spines"
else fail "leaf1's next hops for 10.1.0.0/16: '$hops'"; fi
check "spine2 routes leaf3's hosts via leaf3" bash -c \
  "ip -n spine2 -j route show 10.1.3.0/24 | grep -q '\"gateway\":\"10.0.0.15\"'"
check "hosts do not forward" bash -c "[ \$(ip netns exec h2-1 cat /proc/sys/net/ipv4/ip_forward) = 0 ]"
check "spines forward" bash -c "[ \$(ip netns exec spine1 cat /proc/sys/net/ipv4/ip_forward) = 1 ]"

# every host to every host, with iputils ping
hosts="h1-1:10.1.1.2 h1-2:10.1.1.3 h2-1:10.1.2.2 h2-2:10.1.2.3 h3-1:10.1.3.2 h3-2:10.1.3.3"
bad=0 n=0
for a in $hosts; do
  for b in $hosts; do
    [ "$a" = "$b" ] && continue
    n=$((n + 1))
    ip netns exec "${a%%:*}" ping -n -c1 -W2 "${b#*:}" >/dev/null 2>&1 || { bad=$((bad + 1)); echo "  ${a%%:*} -> ${b#*:} failed"; }
  done
done
if [ $bad = 0 ]; then pass "all $n host pairs ping"; else fail "$bad of $n host pairs do not ping"; fi
# host -> leaf -> spine -> leaf -> host: the 4th hop is the destination
check "h1-1 -> h3-1 is 4 hops: ttl 3 dies on the way" bash -c \
  "! ip netns exec h1-1 ping -n -c1 -W1 -t 3 10.1.3.2"
check "h1-1 -> h3-1 with ttl 4 arrives" ip netns exec h1-1 ping -n -c1 -W2 -t 4 10.1.3.2
check "nsrun destroy dc" "$NSRUN" destroy dc
expect_clean "after destroy"
finish
