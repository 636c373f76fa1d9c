# scenarios/levels.lua builds the tutorial's three levels exactly.
. "$(dirname "$0")/lib.sh"

out=$("$NSRUN" scenarios/levels.lua 2>&1); rc=$?
[ $rc = 0 ] && [[ $out == *"3 passed, 0 failed"* ]] && pass "nsrun levels.lua: its checks of the tutorial's routes and chain pass" \
  || fail "levels.lua: exit $rc: $out"

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

# two copies side by side: the host's end takes the lab's prefix too
check "levels.lua prefix=t1- and prefix=t2- both up" bash -c \
  "'$NSRUN' scenarios/levels.lua prefix=t1- && '$NSRUN' scenarios/levels.lua prefix=t2-"
check "t1-veth0a and t2-veth0a in the host, each to its copy's levela" bash -c \
  "ip -o link show t1-veth0a | grep -q 'link-netns t1-levela' && ip -o link show t2-veth0a | grep -q 'link-netns t2-levela'"
check "destroy both" "$NSRUN" destroy t1-levels t2-levels
expect_clean "after two copies"

# The host answers no lab traffic through interfaces the lab did not make.
# Here (this test's own network namespace) an uplink of the "host's", not
# the lab's, with a default route through it, as a real host has.
ip link add up0 type veth peer name up1 && ip addr add 10.99.0.1/24 dev up0 &&
  ip link set up0 up && ip link set up1 up && ip route add default via 10.99.0.2
cat >"${TMPDIR:-/tmp}/hostaddr.lua" <<'LUA'
dofile "scenarios/levels.lua"
local lab = require("nsrun").opened[1]
lab.root:addr("veth0a", "172.16.1.254/24")   -- the host's end of the first link
lab:expect(lab.nodes.levela):reaches "172.16.1.254"          -- the host answers on veth0a: fine
lab:expect(lab.nodes.levelc):does_not_reach "172.16.1.254"   -- the answer would leave by up0
LUA
out=$("$NSRUN" --rm "${TMPDIR:-/tmp}/hostaddr.lua" 2>&1); rc=$?
rm -f "${TMPDIR:-/tmp}/hostaddr.lua"
[ $rc = 1 ] && [[ $out == *"hostaddr.lua:5: levelc -> 172.16.1.254: 172.16.1.254 is the host's, and the host's route back to 192.168.1.1 leaves through up0, which the lab did not make: refused"* ]] \
  && pass "a probe the host would answer through its own interface is refused, naming it" || fail "host safety: exit $rc: $out"
ip link del up0
expect_clean "after the host's address"
finish
