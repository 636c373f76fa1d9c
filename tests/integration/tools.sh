# The everyday verbs on a running lab: nsrun exec (one node: its status;
# several: each one's, 1 if any failed), nsrun inspect (checked against
# iproute2), nsrun graph (a lab, a script rehearsed dry, a failing test),
# nsrun list --json.
. "$(dirname "$0")/lib.sh"

tmp=$(mktemp -d)
on_exit 'rm -rf "$tmp"'

check "datacenter.lua spines=2 leaves=2 hosts=2 is up" "$NSRUN" scenarios/datacenter.lua spines=2 leaves=2 hosts=2

# exec
out=$("$NSRUN" exec dc h1-1 -- ip -o -4 addr show dev eth0 2>&1)
[[ $out == *"inet 10.0.0."* ]] && pass "exec in one node: the command's output" || fail "exec h1-1: $out"
"$NSRUN" exec dc h1-1 -- sh -c 'exit 7' >/dev/null 2>&1
[ $? = 7 ] && pass "exec in one node: exits with the command's status (7)" || fail "exec status"
out=$("$NSRUN" exec dc 'leaf*' -- ip route show default 2>&1 >/dev/null; echo "rc=$?")
[[ $out == *"2 nodes, all exited 0"* && $out == *"rc=0" ]] && pass "exec 'leaf*': both leaves, all exited 0" \
  || fail "exec leaf*: $out"
out=$("$NSRUN" exec dc 'h1-1,h2-1,spine1' -- ping -c1 -W1 10.0.1.2 2>&1); rc=$?
if [ $rc = 0 ] && [ "$(echo "$out" | grep -c ': 1 packets transmitted, 1 received')" = 3 ]; then
  pass "exec in a list of nodes: each line prefixed with its node"
else fail "exec list: $rc $out"; fi
out=$("$NSRUN" exec dc 'h1-1,h2-1' -- sh -c '[ "$(hostname -I 2>/dev/null || ip -o -4 addr show eth0)" ] && ip -o -4 addr show eth0 | grep -q "10.0.0."' 2>&1); rc=$?
[ $rc = 1 ] && [[ $out == *"1 of 2 nodes failed: h2-1 (exit 1)"* ]] && pass "exec: one node of two fails: exit 1, named" \
  || fail "exec one fails: $rc $out"
out=$("$NSRUN" exec dc nosuch -- true 2>&1); rc=$?
[ $rc = 1 ] && [[ $out == *"lab dc has no node nosuch"* ]] && pass "exec in an unknown node: exit 1, said" || fail "nosuch: $out"
out=$("$NSRUN" exec nolab h1 -- true 2>&1); rc=$?
[ $rc = 1 ] && [[ $out == *"no lab nolab"* ]] && pass "exec in an unknown lab: exit 1" || fail "nolab: $out"
"$NSRUN" exec dc >/dev/null 2>&1; [ $? = 2 ] && pass "exec without a command: exit 2" || fail "exec usage"
out=$("$NSRUN" exec dc 'h[1' -- true 2>&1); rc=$?
[ $rc = 1 ] && [ "$out" = "nsrun: lab dc has no node h[1" ] \
  && pass "exec 'h[1': a name, not a broken pattern: one line, exit 1" || fail "exec 'h[1': exit $rc: $out"
out=$("$NSRUN" exec dc 'spine2,h1-1,leaf1' -- true 2>&1 | grep -c 'all exited 0'; \
  "$NSRUN" exec dc 'spine2,h1-1,leaf1' -- hostname 2>/dev/null | cut -d: -f1 | tr '\n' ' ')
[[ $out == *"spine2 h1-1 leaf1 "* ]] && pass "exec a,b,c: in the order given" || fail "exec order: $out"

# numbers in an argv are converted to strings that live until the exec,
# however often the collector runs meanwhile
cat >"$tmp/argv.lua" <<'LUA'
collectgarbage("incremental", 1, 1000)   -- a collection step at every allocation
local lab = require("nsrun").lab "argv"
local n = lab:node "av-a"
local argv = { "echo" }
for i = 1, 3000 do argv[#argv + 1] = i * 7 + 0.5 end
local got = n:exec(argv).stdout
local want = {}
for i = 1, 3000 do want[i] = tostring(i * 7 + 0.5) end
assert(got == table.concat(want, " ") .. "\n", "echo printed other words")
print("argv ok")
LUA
out=$("$NSRUN" --rm "$tmp/argv.lua" 2>&1)
[[ $out == *"argv ok"* ]] && pass "3,000 numbers in an argv reach the command as their strings" || fail "argv numbers: $out"

# inspect: what it says agrees with iproute2
"$NSRUN" inspect dc --json >"$tmp/dc.json" && pass "inspect --json" || fail "inspect --json"
ip -n leaf1 -j addr show >"$tmp/leaf1.json"
python3 - "$tmp/dc.json" "$tmp/leaf1.json" <<'PY' && pass "inspect --json: leaf1's interfaces, peers and addresses match ip -j addr" || fail "inspect --json disagrees with ip"
import json, sys
d = json.load(open(sys.argv[1])); ip = json.load(open(sys.argv[2]))
leaf = next(n for n in d["nodes"] if n["name"] == "leaf1")
assert leaf["kind"] == "router", leaf["kind"]
mine = {i["name"]: sorted(i["addresses"]) for i in leaf["interfaces"]}
theirs = {l["ifname"]: sorted("%s/%d" % (a["local"], a["prefixlen"]) for a in l["addr_info"] if a.get("scope") != "link" and not a["local"].startswith(("127.", "::1"))) for l in ip}
for name, addrs in theirs.items():
    if name == "lo": addrs = [a for a in addrs]
    got = [a for a in mine.get(name, []) if not a.startswith(("127.", "::1"))]
    assert got == addrs, (name, got, addrs)
peers = {i["name"]: i.get("peer") for i in leaf["interfaces"]}
assert peers["eth0"] == "spine1:eth0" and peers["eth1"] == "spine2:eth0", peers
assert any(r["dst"] == "default" for n in d["nodes"] if n["name"] == "h1-1" for r in n["routes"])
PY
out=$("$NSRUN" inspect dc 'spine1' 2>&1)
[[ $out == *"spine1  router"* && $out == *"leaf1:eth0"* && $out == *"ROUTES"* ]] && pass "inspect: the table" || fail "inspect table: $out"

out=$("$NSRUN" inspect dc 'spine*' --json | pyjson 'print(len(d["nodes"]), len(d["bridges"]))')
[ "$out" = "2 0" ] && pass "inspect 'spine*' --json: the spines, and only their bridges (none)" || fail "inspect spine*: $out"
ip -n spine1 link set eth0 down   # spine1's end of its link to leaf1: leaf1's end loses its carrier
out=$("$NSRUN" inspect dc leaf1 2>&1)
[[ $out == *"via 10.128.0.1 dev eth0 dead linkdown (its link is down)"* ]] \
  && pass "inspect: a next hop whose link is down is marked" || fail "inspect linkdown: $out"
ip -n spine1 link set eth0 up

# graph: of the lab, and of a script rehearsed dry (no root needed)
"$NSRUN" graph dc >"$tmp/dc.dot"
python3 - "$tmp/dc.dot" <<'PY' && pass "graph dc: every link of the lab as an edge, each leaf's bridge tied to it, the ends' addresses" || fail "graph dc"
import re, sys
t = open(sys.argv[1]).read()
edges = re.findall(r'"dc/([^"]+)" -- "dc/([^"]+)"', t)
pairs = {tuple(sorted(e)) for e in edges}
want = {("leaf1", "spine1"), ("leaf1", "spine2"), ("leaf2", "spine1"), ("leaf2", "spine2"),
        ("bridge:leaf1/hosts", "h1-1"), ("bridge:leaf1/hosts", "h1-2"), ("bridge:leaf2/hosts", "h2-1"),
        ("bridge:leaf2/hosts", "h2-2"), ("bridge:leaf1/hosts", "leaf1"), ("bridge:leaf2/hosts", "leaf2")}
assert pairs == want, pairs ^ want
assert '"dc/spine1" -- "dc/leaf1" [taillabel="eth0\\n10.128.0.1/31", headlabel="eth0\\n10.128.0.0/31"' in t, t
PY
if command -v dot >/dev/null; then
  check "graph dc --svg" "$NSRUN" graph dc --svg "$tmp/dc.svg"
  check "... an SVG with every node and bridge" bash -c "grep -q '<svg' '$tmp/dc.svg' && [ \$(grep -c 'class=\"node\"' '$tmp/dc.svg') = 10 ]"
fi
out=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$NSRUN" graph scenarios/fattree.lua k=4 2>&1)
[ $? = 0 ] && [ "$(echo "$out" | grep -c ' -- ')" = 56 ] && [[ $out == *'cluster_fattree_pod4'* ]] \
  && pass "graph of a script, dry and not root: a k=4 fat-tree, 48 links and 8 bridges tied to their edge switches, pods as clusters" || fail "graph script: $out"
# list --json
"$NSRUN" list --json | pyjson 'assert any(l["name"] == "dc" and l["namespaces"] == 8 for l in d), d' \
  && pass "list --json: lab dc with 8 namespaces" || fail "list --json"
check "nsrun destroy dc" "$NSRUN" destroy dc
out=$("$NSRUN" test --graph "$tmp/fail.dot" tests/scenarios/missing-route.lua 2>&1)
grep -q '"broken-route/r2" \[label=[^]]*color="#cc0000", penwidth=2.5' "$tmp/fail.dot" \
  && ! grep -q '"broken-route/r1" -- "broken-route/r2" \[.*color="#cc0000"' "$tmp/fail.dot" \
  && pass "test --graph: the hop that breaks in red (r2, which has no route), not the path to it" \
  || fail "test --graph: $(cat "$tmp/fail.dot")"

expect_clean
finish
