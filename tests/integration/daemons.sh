# Routing daemons in nodes (FRR, BIRD), checked from outside nsrun: a
# leaf-spine with eBGP on each daemon (hosts reach hosts; every session
# Established as vtysh and birdc say; the kernel's routes from zebra and
# BIRD have the next hops static autoroute gives); a user's own OSPF config;
# configs the daemons reject; a daemon killed while the lab runs; SIGKILL of
# nsrun while the daemons start, then nsrun destroy.
. "$(dirname "$0")/lib.sh"

command -v vtysh >/dev/null && [ -x /usr/lib/frr/zebra ] || skip "FRR is not installed (apt-get install frr)"
command -v birdc >/dev/null || skip "BIRD is not installed (apt-get install bird2)"
tmp=$(mktemp -d)
on_exit 'rm -rf "$tmp"'
# the daemons that run (zombies aside: ended, waiting for this machine's
# init to reap them)
daemons() { ps -eo stat=,comm= | grep -v '^Z' | grep -cE ' (zebra|staticd|bgpd|ospfd|bfdd|bird)$'; }
D0=$(daemons)

# the next hops of every router's route to each host, as the kernel has
# them: "router dst-host via,dev via,dev ..." lines, sorted
cat >"$tmp/hops.py" <<'PY'
import ipaddress, json, subprocess, sys
prefix, routers, hosts = sys.argv[1], sys.argv[2].split(), sys.argv[3].split()
def ip(ns, *args):
    return json.loads(subprocess.check_output(["ip", "-n", ns, "-j"] + list(args)))
addr = {h: ip(prefix + h, "-4", "addr", "show", "eth0")[0]["addr_info"][0]["local"] for h in hosts}
for r in routers:
    routes = [x for x in ip(prefix + r, "-4", "route", "show") if x["dst"] != "default"]
    for h in hosts:
        a = ipaddress.ip_address(addr[h])
        best = max((x for x in routes if a in ipaddress.ip_network(x["dst"] if "/" in x["dst"] else x["dst"] + "/32")),
                   key=lambda x: ipaddress.ip_network(x["dst"] if "/" in x["dst"] else x["dst"] + "/32").prefixlen, default=None)
        if best is None:
            print(r, h, "none"); continue
        hops = best.get("nexthops") or [best]
        print(r, h, " ".join(sorted("%s,%s" % (x.get("gateway", "-"), x["dev"]) for x in hops)))
PY
ROUTERS="spine1 spine2 leaf1 leaf2 leaf3"
HOSTS="h1-1 h1-2 h2-1 h2-2 h3-1 h3-2"
check "the same fabric with static routes (to compare)" "$NSRUN" scenarios/datacenter.lua prefix=st- leaves=3 hosts=2
python3 "$tmp/hops.py" st- "$ROUTERS" "$HOSTS" | sort >"$tmp/static"

for d in frr bird; do
  out=$("$NSRUN" scenarios/datacenter.lua prefix=$d- leaves=3 hosts=2 routing=bgp daemon=$d 2>&1); rc=$?
  [ $rc = 0 ] && [[ $out == *"ok   6 nodes reach 6 nodes"*"held after"* ]] && [[ $out == *"ok   every BGP session is Established"* ]] \
    && pass "eBGP on $d: every host reaches every host, held after $(echo "$out" | grep -o 'held after [0-9.]* s' | head -1 | cut -d' ' -f3) s" \
    || fail "eBGP on $d: exit $rc: $out"
  python3 "$tmp/hops.py" $d- "$ROUTERS" "$HOSTS" | sort >"$tmp/$d"
  if diff "$tmp/static" "$tmp/$d" >"$tmp/diff"; then
    pass "eBGP on $d: the kernel's next hops to every host are those of static autoroute ($(wc -l <"$tmp/$d") routes)"
  else fail "eBGP on $d: next hops differ from static routing: $(cat "$tmp/diff")"; fi
  check "eBGP on $d: the routes are the daemon's (proto $( [ $d = frr ] && echo bgp || echo bird ))" bash -c \
    "ip -n $d-leaf1 route show proto $( [ $d = frr ] && echo bgp || echo bird ) | grep -q nexthop"
done
check "vtysh in each FRR router: every BGP session Established (python reads vtysh's JSON)" python3 - <<'PY'
import json, subprocess
for r in ["spine1", "spine2", "leaf1", "leaf2", "leaf3"]:
    out = subprocess.check_output(["$NSRUN".replace("$NSRUN", __import__("os").environ["NSRUN"]),
                                   "exec", "frr-dc", r, "--", "vtysh", "-c", "show bgp summary json"])
    peers = json.loads(out)["ipv4Unicast"]["peers"]
    assert len(peers) == (3 if r.startswith("spine") else 2), (r, peers)
    assert all(p["state"] == "Established" for p in peers.values()), (r, peers)
PY
check "birdc in each BIRD router: every BGP protocol Established" bash -c '
for r in spine1 spine2 leaf1 leaf2 leaf3; do
  out=$("$0" exec bird-dc $r -- birdc show protocols) || exit 1
  n=$(echo "$out" | grep -c " BGP ") ; e=$(echo "$out" | grep " BGP " | grep -c Established)
  [ "$n" -ge 2 ] && [ "$n" = "$e" ] || { echo "$r: $out"; exit 1; }
done' "$NSRUN"
check "vtysh in leaf1 is leaf1's (its hostname and router id)" bash -c \
  "'$NSRUN' exec frr-dc leaf1 -- vtysh -c 'show bgp summary json' | grep -q '\"routerId\":\"10.255.0.2\"' && [ \"\$('$NSRUN' exec frr-dc leaf1 -- hostname)\" = leaf1 ]"
check "the daemons' files are the node's, owned by frr: /etc/frr/frr.conf as the daemons see it" bash -c \
  "'$NSRUN' exec frr-dc leaf1 -- ls -l /etc/frr/frr.conf | grep -q ' frr frr ' && [ \$(stat -c %U /run/nsrun/frr-dc/frr-leaf1/run/zebra.vty) = frr ]"
for lab in st-dc frr-dc bird-dc; do check "nsrun destroy $lab" "$NSRUN" destroy $lab; done
[ "$(daemons)" = "$D0" ] && pass "no daemon left" || fail "daemons left: $(daemons), were $D0"
expect_clean "after the BGP fabrics"

# a user's own config: two routers, OSPF on FRR
cat >"$tmp/ospf.lua" <<'LUA'
local lab = require("nsrun").lab "ospf2"
local conf = [[
frr defaults datacenter
hostname %s
!
interface eth0
 ip ospf network point-to-point
 ip ospf hello-interval 1
 ip ospf dead-interval 4
!
router ospf
 ospf router-id %s
 network 0.0.0.0/0 area 0
!
]]
local r1 = lab:router("o1", { frr = { daemons = { "ospfd" }, conf = conf:format("o1", "10.255.0.1") } })
local r2 = lab:router("o2", { frr = { daemons = { "ospfd" }, conf = conf:format("o2", "10.255.0.2") } })
lab:link(r1, "eth0", r2, "eth0")
r1:addr("eth0", "10.0.0.0/31"):addr("lo", "10.255.0.1/32")
r2:addr("eth0", "10.0.0.1/31"):addr("lo", "10.255.0.2/32")
lab:expect(r1):state("show ip ospf neighbor json", { neighbors = { ["10.255.0.2"] = { { converged = "Full" } } } },
  { within = 30 })
lab:expect(r1):reaches("10.255.0.2", { within = 30 })
LUA
out=$("$NSRUN" "$tmp/ospf.lua" 2>&1); rc=$?
[ $rc = 0 ] && pass "a user's OSPF config on two routers: Full, and loopbacks reached" || fail "ospf: exit $rc: $out"
check "o1's route to o2's loopback is OSPF's" bash -c "ip -n o1 route show 10.255.0.2 | grep -q 'proto ospf'"
check "nsrun destroy ospf2" "$NSRUN" destroy ospf2
expect_clean "after the OSPF pair"

# generated OSPF on a segment three routers share: not point-to-point
# there (a DR is elected), and the hosts behind reach each other
cat >"$tmp/shared.lua" <<'LUA'
local lab = require("nsrun").lab "shared"
local br = lab:bridge("core")
local r = {}
for i = 1, 3 do r[i] = lab:router("r" .. i); lab:link(r[i], "eth0", br) end
local h1, h3 = lab:host("h1"), lab:host("h3")
lab:link(h1, r[1]); lab:link(h3, r[3])
lab:autoaddr()
lab:autoroute { protocol = "ospf", daemon = "frr" }
lab:expect(h1):reaches(h3, { within = 40 })
LUA
out=$("$NSRUN" "$tmp/shared.lua" 2>&1); rc=$?
[ $rc = 0 ] && pass "generated OSPF across a shared segment: h1 reaches h3" || fail "shared segment: exit $rc: $out"
# r2's two neighbours on the shared segment have DR roles (DR, Backup,
# DROther); on a point-to-point link they would show "-" (Full/-)
shared_roles() {
  local out; out=$("$NSRUN" exec shared r2 -- vtysh -c 'show ip ospf neighbor')
  [ "$(echo "$out" | grep -cE '/(DR|Backup|DROther) ')" = 2 ] || { echo "$out"; return 1; }
}
check "r2's two neighbours on the shared segment have DR roles (a broadcast network, not point-to-point)" shared_roles
check "nsrun destroy shared" "$NSRUN" destroy shared
expect_clean "after the shared segment"

# configs the daemons reject: one error, naming the node, the file and the
# daemon's message; nothing left
printf 'router bgp 65001\n neighbour 10.0.0.1 remote-as 65002\n' >"$tmp/bad-frr.conf"
printf 'local lab = require("nsrun").lab "badd"\nlab:router("b1", { frr = { daemons = { "bgpd" }, conf = "%s" } })\n' \
  "$tmp/bad-frr.conf" >"$tmp/bad1.lua"
out=$("$NSRUN" "$tmp/bad1.lua" 2>&1); rc=$?
[ $rc = 1 ] && [[ $out == *"bad1.lua:2: frr in b1: FRR rejects $tmp/bad-frr.conf:"*"neighbour"* ]] \
  && pass "a config FRR rejects: $(echo "$out" | head -1)" || fail "bad FRR config: exit $rc: $out"
expect_clean "after a config FRR rejects"
printf 'local lab = require("nsrun").lab "badd"\nlab:router("b1", { bird = { conf = "router id 1.2.3.4;\\nprotocol bgpp x { }\\n" } })\n' >"$tmp/bad2.lua"
out=$("$NSRUN" "$tmp/bad2.lua" 2>&1); rc=$?
[ $rc = 1 ] && [[ $out == *"bad2.lua:2: bird in b1: BIRD rejects bird.conf: bird.conf:2:"*"syntax error"* ]] \
  && pass "a config BIRD rejects: $out" || fail "bad BIRD config: exit $rc: $out"
expect_clean "after a config BIRD rejects"
printf 'local lab = require("nsrun").lab "badd"\nlab:router("b1", { frr = { daemons = { "bgppd" } } })\n' >"$tmp/bad3.lua"
out=$("$NSRUN" "$tmp/bad3.lua" 2>&1); rc=$?
[ $rc = 1 ] && [[ $out == *'bad3.lua:2: frr in b1: "bgppd" is not one of FRR'* ]] && pass "an unknown FRR daemon: $out" \
  || fail "unknown daemon: exit $rc: $out"
expect_clean "after an unknown daemon"

# while the script still runs (waiting for convergence, say), nsrun exec
# reaches a node's daemons
cat >"$tmp/live.lua" <<'LUA'
local lab = require("nsrun").lab "live"
lab:leafspine { spines = 1, leaves = 2, hosts = 1 }
lab:autoaddr()
lab:autoroute { protocol = "bgp", daemon = "bird" }
io.open(args.dir .. "/started", "w"):close()
for _ = 1, 300 do
  local f = io.open(args.dir .. "/done")
  if f then f:close(); break end
  require("nsrun").core.sleep(0.1)
end
LUA
"$NSRUN" "$tmp/live.lua" dir="$tmp" >/dev/null 2>&1 &
pid=$!
for _ in $(seq 300); do [ -e "$tmp/started" ] && break; sleep 0.1; done
lo=$(ip -n leaf1 -4 -br addr show lo | grep -o '10\.[0-9.]*' | head -1)
check "while its script runs, nsrun exec LAB leaf1 -- birdc reaches leaf1's BIRD (router id $lo)" bash -c \
  "[ -n '$lo' ] && '$NSRUN' exec live leaf1 -- birdc show status | grep -q 'Router ID is $lo'"
touch "$tmp/done"; wait $pid
check "nsrun destroy live" "$NSRUN" destroy live
expect_clean "after the live lab"

# a lab and node whose names make the daemons' socket paths too long for
# nsrun to connect to: refused at once, nothing left
long=$(printf 'l%.0s' $(seq 50))
printf 'local lab = require("nsrun").lab "%s"\nlab:router("%s", { bird = {} })\n' "$long" "$long" >"$tmp/long.lua"
out=$("$NSRUN" "$tmp/long.lua" 2>&1); rc=$?
[ $rc = 1 ] && [[ $out == *"long.lua:2: bird in $long: "*"is too long a path for the daemons' sockets (107 bytes at most)"* ]] \
  && pass "names too long for the daemons' sockets: refused, naming the path" || fail "long names: exit $rc: $out"
expect_clean "after names too long"

# a daemon killed while the lab runs: the next check says which, with its log
cat >"$tmp/kill.lua" <<'LUA'
local lab = require("nsrun").lab "kd"
local t = lab:leafspine { spines = 1, leaves = 2, hosts = 1 }
lab:autoaddr()
lab:autoroute { protocol = "bgp" }
lab:expect(t.hosts):reaches(t.hosts, { within = 30 })
for _, p in ipairs(t.leaves[1].daemon.procs) do
  if p.daemon == "bgpd" then os.execute("kill -9 " .. p.pid) end
end
require("nsrun").core.sleep(0.2)
lab:expect(t.hosts):reaches(t.hosts)
LUA
out=$("$NSRUN" "$tmp/kill.lua" 2>&1); rc=$?
[ $rc = 1 ] && [[ $out == *"kill.lua:10: bgpd in leaf1 (pid "*") has ended; its output ends:"* ]] \
  && pass "a daemon killed mid-run is reported, with the end of its output" || fail "killed daemon: exit $rc: $out"
expect_clean "after a killed daemon"
[ "$(daemons)" = "$D0" ] && pass "no daemon left after the failed run" || fail "daemons left: $(daemons)"

# SIGKILL of nsrun while a fat-tree's daemons start: destroy leaves nothing
"$NSRUN" scenarios/fattree.lua k=4 routing=bgp >/dev/null 2>&1 &
pid=$!
for _ in $(seq 300); do
  [ "$(ls /run/nsrun/fattree/*/run/zebra.vty 2>/dev/null | wc -l)" -ge 5 ] && break
  sleep 0.05
done
kill -9 $pid; wait $pid 2>/dev/null
check "nsrun destroy fattree after SIGKILL" "$NSRUN" destroy fattree
sleep 0.3
[ "$(daemons)" = "$D0" ] && pass "SIGKILL while daemons start, then destroy: no daemon left" || fail "daemons left: $(daemons)"
expect_clean "after SIGKILL and destroy"
finish
