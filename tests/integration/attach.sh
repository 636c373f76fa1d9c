# Attach a running process's namespace by PID; IPv6 addresses and routes;
# MTU and MAC.  Checked with iproute2 and ping (with a deadline: link-local
# addresses are tentative for a moment after links come up).
. "$(dirname "$0")/lib.sh"

tmp=$(mktemp -d)
unshare -n sleep 300 &
other=$!
on_exit 'kill $other 2>/dev/null; rm -rf "$tmp"'
# until unshare has made its namespace (a PID still in ours must not be attached)
for _ in $(seq 250); do
  [ "$(readlink /proc/$other/ns/net)" != "$(readlink /proc/$$/ns/net)" ] && break
  sleep 0.02
done

cat >"$tmp/attach.lua" <<LUA
local nsrun = require "nsrun"
local lab = nsrun.lab "att"
local box = lab:attach("at-box", { pid = $other })
local r = lab:router "at-r"
local h = lab:host "at-h"
lab:link(box, "eth0", r, "eth0")
lab:link(r, "eth1", h, "eth0", { mtu = 9000 })
h:set("eth0", { mac = "02:00:00:00:00:42" })
box:up("lo")
box:addr("eth0", "2001:db8:1::2/64")
r:addr("eth0", "2001:db8:1::1/64")
r:addr("eth1", "2001:db8:2::1/64")
h:addr("eth0", "2001:db8:2::2/64")
box:route("default", { via = "2001:db8:1::1" })
h:route("2001:db8::/32", { via = "2001:db8:2::1" })
assert(#nsrun.core.list() >= 3)
-- the prober over IPv6 (within: link-local addresses are tentative at first)
local r = lab:expect(h):reaches("2001:db8:1::2", { within = 10 })
print("ipv6 expectation", r.ok, r.rtt and r.rtt.avg)
lab:expect(h):does_not_reach("2001:db8:9::1")
LUA
out=$("$NSRUN" "$tmp/attach.lua" 2>&1)
rc=$?
echo "$out"
[ $rc = 0 ] && pass "nsrun attach.lua" || fail "nsrun attach.lua: exit $rc"
[[ $out == *"ipv6 expectation	true"* ]] && pass "the prober reaches over IPv6" || fail "IPv6 expectation"
[[ $out == *"ok   at-h does not reach 2001:db8:9::1"* ]] && pass "an unrouted IPv6 address is not reached" || fail "IPv6 negative"
check "at-box names pid $other's namespace" bash -c \
  "[ \$(ip netns identify $other) = at-box ]"
# the first echoes wait on neighbour discovery while link-local addresses
# are still tentative: allow 10 s for the path to come up
ping6_within() { for _ in 1 2 3 4 5 6 7 8 9 10; do ip netns exec "$1" ping -6 -c1 -W1 "$2" && return 0; done; return 1; }
export -f ping6_within
check "at-h reaches the attached namespace over IPv6, through at-r" ping6_within at-h 2001:db8:1::2
check "the attached namespace answers back" ping6_within at-box 2001:db8:2::2
check "mtu 9000 on both ends" bash -c \
  "ip -n at-r -j link show eth1 | grep -q '\"mtu\":9000' && ip -n at-h -j link show eth0 | grep -q '\"mtu\":9000'"
check "mac set" bash -c "ip -n at-h -j link show eth0 | grep -q '02:00:00:00:00:42'"
check "at-h's IPv6 route" bash -c "ip -n at-h -6 -j route show 2001:db8::/32 | grep -q '2001:db8:2::1'"
check "nsrun destroy att" "$NSRUN" destroy att
check "the adopted process still runs" kill -0 "$other"
check "its namespace lost the links nsrun made" bash -c \
  "[ \$(nsenter -t $other -n ip -o link | wc -l) = 1 ]"
kill "$other"; wait "$other" 2>/dev/null
expect_clean "after destroy"
finish
