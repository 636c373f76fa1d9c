# scenarios/levels.lua builds the tutorial's three levels exactly.
. "$(dirname "$0")/lib.sh"

check "nsrun levels.lua exits 0" "$NSRUN" scenarios/levels.lua

for ns in levela levelb levelc; do
  check "namespace $ns is listed by ip netns" bash -c "ip netns list | grep -qw $ns"
done
check "veth0a stays in the host namespace, up" \
  bash -c "ip -j link show veth0a | grep -q '\"operstate\":\"UP\"'"
for pair in levela:veth1a levela:veth0b levelb:veth1b levelb:veth0c levelc:veth1c; do
  ns=${pair%%:*} dev=${pair#*:}
  check "$dev is in $ns and up" bash -c "ip -n $ns -j link show $dev | grep -q '\"flags\":\[[^]]*\"UP\"'"
done
check "veth0b's peer is veth1b in levelb" \
  bash -c "ip -n levela -d link show veth0b | grep -q 'link-netns levelb'"
for a in levela:veth1a:172.16.1.0/24 levelb:veth1b:10.1.1.1/24 levelc:veth1c:192.168.1.1/24; do
  IFS=: read -r ns dev cidr <<<"$a"
  check "$ns $dev has $cidr" bash -c "ip -n $ns -j addr show $dev | pyjson '
a=[x[\"local\"]+\"/\"+str(x[\"prefixlen\"]) for x in d[0][\"addr_info\"] if x[\"family\"]==\"inet\"]
sys.exit(0 if a==[\"$cidr\"] else 1)'"
done

want="172.16.1.0/24 dev veth1a proto kernel scope link src 172.16.1.0"
got=$(ip netns exec levela ip route list | sed 's/ *$//')
if [ "$got" = "$want" ]; then pass "ip netns exec levela ip route list: the tutorial's output"
else fail "levela's routes: got '$got', want '$want'"; fi
check "loopback is up in levelc" bash -c "ip -n levelc -j link show lo | grep -q LOWER_UP"
check "ping levelb's own address inside levelb" ip netns exec levelb ping -c1 -W2 10.1.1.1

check "nsrun list shows the lab" bash -c "'$NSRUN' list | grep -q '^levels '"
check "nsrun destroy levels" "$NSRUN" destroy levels
expect_clean "after destroy"
out=$("$NSRUN" destroy levels 2>&1); rc=$?
[ $rc = 0 ] && [[ $out == *"no lab named levels (nothing to destroy)"* ]] \
  && pass "destroy again is harmless: $out" || fail "destroy again: exit $rc: $out"

finish
