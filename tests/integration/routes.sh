# Many routes at once (node:route_batch, which lab:autoroute uses too): sent in
# windows of requests, checked with iproute2 -- every route, its next hops,
# weights and metric -- and an error in the middle of a batch named.
. "$(dirname "$0")/lib.sh"

tmp=$(mktemp -d)
on_exit 'rm -rf "$tmp"'

# 300 IPv4 routes (every third ECMP over two links, weights 1 and 3; every
# fifth with metric 20) and 100 IPv6 ones: several windows of requests.
cat >"$tmp/routes.lua" <<'LUA'
local lab = require("nsrun").lab "rts"
local a, b = lab:node "rt-a", lab:node "rt-b"
lab:link(a, "eth0", b, "eth0")
lab:link(a, "eth1", b, "eth1")
a:addr("eth0", "192.0.2.1/24"); b:addr("eth0", "192.0.2.2/24")
a:addr("eth1", "198.51.100.1/24"); b:addr("eth1", "198.51.100.2/24")
a:addr("eth0", "2001:db8:1::1/64"); b:addr("eth0", "2001:db8:1::2/64")
b:addr("lo", "10.100.0.1/32")   -- behind route 0, an ECMP one
local list = {}
for i = 0, 299 do
  local r = { dst = ("10.%d.%d.0/24"):format(100 + i // 256, i % 256), via = "192.0.2.2" }
  if i % 3 == 0 then
    r = { dst = r.dst, nexthops = { { via = "192.0.2.2", weight = 1 },
                                    { via = "198.51.100.2", dev = "eth1", weight = 3 } } }
  end
  if i % 5 == 0 then r.metric = 20 end
  list[#list + 1] = r
end
for i = 0, 99 do list[#list + 1] = { dst = ("2001:db8:%x::/48"):format(0x100 + i), via = "2001:db8:1::2" } end
a:route_batch(list)
print("routes", lab:summary().routes)
-- again: every route fails (File exists), a window of error replies each
local ok, e = pcall(a.route_batch, a, list)
print("again", ok, tostring(e))
LUA
out=$("$NSRUN" "$tmp/routes.lua" 2>&1)
rc=$?
[ $rc = 0 ] && [[ $out == *"routes	400"* ]] && pass "node:route_batch adds 400 routes" || fail "routes.lua: exit $rc: $out"

ip -n rt-a -j route show proto static >"$tmp/v4.json"
ip -n rt-a -6 -j route show proto static >"$tmp/v6.json"
check "rt-a has the 300 IPv4 routes, each as asked" python3 - "$tmp/v4.json" <<'PY'
import json, sys
routes = {r["dst"]: r for r in json.load(open(sys.argv[1]))}
assert len(routes) == 300, len(routes)
for i in range(300):
    r = routes["10.%d.%d.0/24" % (100 + i // 256, i % 256)]
    assert r.get("metric", 0) == (20 if i % 5 == 0 else 0), r
    if i % 3 == 0:
        hops = [(h["gateway"], h["dev"], h.get("weight", 1)) for h in r["nexthops"]]
        assert hops == [("192.0.2.2", "eth0", 1), ("198.51.100.2", "eth1", 3)], r
    else:
        assert (r["gateway"], r["dev"]) == ("192.0.2.2", "eth0"), r
PY
check "rt-a has the 100 IPv6 routes" python3 -c "
import json, sys
r = [x for x in json.load(open('$tmp/v6.json')) if x.get('gateway') == '2001:db8:1::2']
assert len(r) == 100, len(r)
assert {x['dst'] for x in r} == {'2001:db8:%x::/48' % (0x100 + i) for i in range(100)}"
check "rt-a sends to 10.100.0.1 (rt-b's loopback) by the ECMP route, through one of its gateways" \
  bash -c "ip -n rt-a route get 10.100.0.1 | grep -Eq 'via (192.0.2.2|198.51.100.2) '"
check "ping rt-b's loopback over the batch's ECMP route" ip netns exec rt-a ping -c1 -W2 10.100.0.1

check "the same 400 routes again: each window's failures come back, the first named" \
  bash -c "printf '%s' \"\$1\" | grep -q 'again	false	.*route 10.100.0.0/24 in rt-a: File exists'" _ "$out"
check "nsrun destroy rts" "$NSRUN" destroy rts
expect_clean "after destroy"

# Routers with no route (a star's hub) and with one (each end of a chain
# of two): routed and reachable.
cat >"$tmp/small.lua" <<'LUA'
local nsrun = require "nsrun"
local lab = nsrun.lab("rtstar", { prefix = "rs-" })
local t = lab:star(3)
lab:autoaddr(); lab:autoroute()
assert(lab:expect(t.hosts):reaches(t.hosts).ok)
local chain = nsrun.lab("rtchain", { prefix = "rc-" })
chain:linear(2, { hosts = 1 })
chain:autoaddr(); chain:autoroute()
assert(chain:expect(chain:all "host"):reaches(chain:all "host").ok)
print("routes", lab:summary().routes, chain:summary().routes)
LUA
out=$("$NSRUN" "$tmp/small.lua" 2>&1)
rc=$?
[ $rc = 0 ] && pass "a star (the hub has no route) and a chain of two routers: routed" \
  || fail "small labs: exit $rc: $out"
check "nsrun destroy rs-rtstar (a lab's name takes its prefix)" "$NSRUN" destroy rs-rtstar
check "nsrun destroy rc-rtchain" "$NSRUN" destroy rc-rtchain
expect_clean "after the small labs"

# An error in the middle of a batch (the 150th route's gateway is on no
# link): the error names that route and the script's line; nothing is left.
cat >"$tmp/bad.lua" <<'LUA'
local lab = require("nsrun").lab "rtbad"
local a, b = lab:node "rt-c", lab:node "rt-d"
lab:link(a, b)
a:addr("eth0", "192.0.2.1/24")
local list = {}
for i = 0, 299 do
  list[#list + 1] = { dst = ("10.%d.%d.0/24"):format(9 - i // 256, i % 256),
    via = i == 149 and "203.0.113.9" or "192.0.2.2" }
end
a:route_batch(list)
LUA
out=$(cd "$tmp" && "$NSRUN" bad.lua 2>&1)
rc=$?
if [ $rc = 1 ] && [[ $out == *"bad.lua:10: route 10.9.149.0/24 in rt-c: gateway 203.0.113.9 is not on a subnet of any interface there: Network is unreachable"* ]]
then pass "a failed route in a batch is named: $out"
else fail "bad batch: exit $rc: $out"; fi
expect_clean "after the failed batch"

# Bad input in a batch: named, with the script's line.
printf 'local lab = require("nsrun").lab "rtbad"\nlab:node("rt-e"):route_batch { { dst = "10.0.0.0/8", dev = "lo" }, { dst = "10.1.0.0/16" } }\n' >"$tmp/bad2.lua"
out=$(cd "$tmp" && "$NSRUN" bad2.lua 2>&1)
rc=$?
if [ $rc = 1 ] && [[ $out == *"bad2.lua:2: route 10.1.0.0/16 in rt-e: a next hop needs via or dev"* ]]
then pass "a route without next hop in a batch: $out"
else fail "bad batch input: exit $rc: $out"; fi
expect_clean "after bad batch input"

# A route with 100 next hops, shown whole by nsrun inspect; default routes
# of both families removed by one node:route_del("default").
cat >"$tmp/wide.lua" <<'LUA'
local lab = require("nsrun").lab "wide"
local a, b = lab:node "wd-a", lab:node "wd-b"
lab:link(a, b)
a:addr("eth0", "10.9.0.1/16"); a:addr("eth0", "2001:db8:9::1/64")
local hops = {}
for i = 1, 100 do hops[i] = ("10.9.1.%d"):format(i) end
a:route("198.51.100.0/24", hops)
a:route("default", { via = "10.9.1.1" })
a:route("default", { via = "2001:db8:9::2" })
LUA
check "a route over 100 next hops" "$NSRUN" "$tmp/wide.lua"
check "nsrun inspect --json: its 100 next hops" bash -c "'$NSRUN' inspect wide wd-a --json | pyjson '
r = [r for r in d[\"nodes\"][0][\"routes\"] if r[\"dst\"] == \"198.51.100.0/24\"][0]
assert len(r[\"nexthops\"]) == 100, len(r[\"nexthops\"])'"
printf '%s\n' 'local core = require("nsrun").core' 'local ns = assert(core.open("wd-a"))' \
  'assert(ns:route_del("default"))' >"$tmp/del.lua"
check "route_del(\"default\")" "$NSRUN" "$tmp/del.lua"
check "... both default routes are gone (IPv4 and IPv6)" bash -c \
  "[ -z \"\$(ip -n wd-a route show default)\" ] && [ -z \"\$(ip -n wd-a -6 route show default)\" ]"
check "nsrun destroy wide" "$NSRUN" destroy wide
expect_clean "after the wide route"
finish
