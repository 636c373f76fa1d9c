# nsrun test: exit codes, the diagnosis of broken paths, TAP (read by
# prove), JUnit XML and JSON; the prober agrees with iputils ping.
. "$(dirname "$0")/lib.sh"

tmp=$(mktemp -d)
on_exit 'rm -rf "$tmp"'

out=$("$NSRUN" test scenarios/home.lua scenarios/levels.lua 2>&1); rc=$?
[ $rc = 0 ] && [[ $out == *"scenarios/home.lua"*"ok   laptop reaches 203.0.113.1"*"scenarios/levels.lua"*"5 passed, 0 failed"* ]] \
  && pass "nsrun test home.lua levels.lua: exit 0, each scenario's expectations ok" \
  || fail "nsrun test home.lua levels.lua: exit $rc: $out"
expect_clean "after a passing test"

# each script with the key=value arguments that follow it
out=$("$NSRUN" test scenarios/datacenter.lua spines=1 leaves=2 hosts=1 prefix=ta- \
  scenarios/home.lua prefix=tb- 2>&1); rc=$?
[ $rc = 0 ] && [[ $out == *"scenarios/datacenter.lua spines=1 leaves=2 hosts=1 prefix=ta-"*"2 nodes reach 2 nodes"* ]] \
  && [[ $out == *"scenarios/home.lua prefix=tb-"*"3 passed, 0 failed"* ]] \
  && pass "nsrun test SCRIPT k=v... SCRIPT k=v: each with its own arguments" || fail "test with arguments: exit $rc: $out"
out=$("$NSRUN" test k=8 scenarios/home.lua 2>&1); rc=$?
[ $rc = 2 ] && [[ $out == *"k=8 comes before any script"* ]] && pass "an argument before any script: usage, exit 2" \
  || fail "argument first: exit $rc: $out"
expect_clean "after tests with arguments"

out=$("$NSRUN" test --junit "$tmp/r.xml" --json "$tmp/r.json" \
  tests/scenarios/missing-route.lua tests/scenarios/link-down.lua 2>&1)
rc=$?
echo "$out"
[ $rc = 1 ] && pass "broken scenarios: exit 1" || fail "broken scenarios: exit $rc"
[[ $out == *"h1-1 -> h3-1 (10.0.2.2): network unreachable (from r2); r2 has no route to 10.0.2.2"* ]] \
  && pass "the missing route is named: r2 has no route" || fail "no diagnosis of the missing route"
[[ $out == *"link eth1 (to leaf2) is down"* ]] && pass "the down link is named" || fail "no diagnosis of the down link"
[[ $out == *"ok   h1-1 does not reach 192.0.2.1"* ]] && pass "a negative expectation holds" || fail "negative expectation"
check "the JUnit file is XML with 2 failures in 2 suites" python3 -c "
import xml.etree.ElementTree as ET
r = ET.parse('$tmp/r.xml').getroot()
assert r.tag == 'testsuites' and r.get('failures') == '2', r.attrib
suites = r.findall('testsuite'); assert len(suites) == 2
fails = [f.text for f in r.iter('failure')]
assert len(fails) == 2 and 'r2 has no route' in fails[0], fails"
check "the JSON file names the failed pairs" python3 -c "
import json
d = json.load(open('$tmp/r.json'))
assert d['failed'] == 2 and d['passed'] == 2, d
f = d['scenarios'][0]['results'][1]['failures'][0]
assert f['src'] == 'h1-1' and f['dst'] == 'h3-1' and 'no route' in f['reason'], f"
expect_clean "after failing tests"

# ECMP: the diagnosis follows the branch of each multipath route that the
# kernel picks for that packet, and agrees with the node an ICMP error came
# from; a summary names the break most failures share
"$NSRUN" test --keep --json "$tmp/ecmp.json" --graph "$tmp/ecmp.dot" tests/scenarios/ecmp-down.lua >"$tmp/ecmp.out" 2>&1
rc=$?
cat "$tmp/ecmp.out"
[ $rc = 1 ] && pass "ecmp-down.lua: exit 1" || fail "ecmp-down.lua: exit $rc"
check "every failure an ICMP error came from is explained at that node" python3 - "$tmp/ecmp.json" <<'PY'
import json, re, sys
d = json.load(open(sys.argv[1]))
r = d["scenarios"][0]["results"][0]
assert r["failures"], r
for f in r["failures"]:
    m = re.search(r"\(from (\S+)\)", f["reason"])
    assert m and f["brk"]["node"] == m.group(1) == "spine1", f
    assert "spine2" not in f["path"], f    # the packets never went that way
assert r["summary"] == "%d failures, all at spine1 (no route)" % len(r["failures"]), r["summary"]
PY
[[ $(cat "$tmp/ecmp.out") == *"leaf3: next hop spine2 via eth1: link down"*"leaf3 still hashes this flow onto eth1, one of the 2 next hops"*"ignore_routes_with_linkdown"* ]] \
  && pass "a dead next hop of a static ECMP route that a router still uses (e3): said" \
  || fail "dead next hop: not said"
# e2-ecmp: leaf3 (a router) skips its dead next hop; the failed pairs are
# those whose answer leaf1 or leaf2 hashes onto spine2, as iproute2 asks
# the kernel, and leaf3 sends nothing to eth1
check "iproute2 agrees: the failed pairs are exactly those answered through spine2; leaf3 never picks eth1" python3 - "$tmp/ecmp.json" <<'PY'
import json, subprocess, sys
d = json.load(open(sys.argv[1]))
r = d["scenarios"][0]["results"][1]
failed = {(f["src"], f["addr"]) for f in r["failures"]}
assert failed, r
def addr(ns):
    j = json.loads(subprocess.check_output(["ip", "-n", ns, "-j", "-4", "addr", "show", "eth0"]))
    return j[0]["addr_info"][0]["local"]
def dev(ns, dst, src):
    out = subprocess.check_output(["ip", "-n", ns, "route", "get", dst, "from", src, "iif", "hosts",
                                   "ipproto", "icmp"], text=True)
    return out.split(" dev ")[1].split()[0]
for src in ("h3-1", "h3-2"):
    for dst in ("h1-1", "h1-2", "h2-1", "h2-2"):
        a, b = addr("e2-" + src), addr("e2-" + dst)
        assert dev("e2-leaf3", b, a) == "eth0", (src, dst)
        back = dev("e2-leaf" + dst[1], a, b)   # the answer, at the far leaf
        assert (back == "eth1") == ((src, b) in failed), (src, dst, back, failed)
for f in r["failures"]:
    assert f["brk"]["node"] == "spine2" and "on the way back" in f["reason"], f
PY
check "test --graph: the breaks in red (spine1, spine2, leaf3's link to spine2), not the paths through them" python3 - "$tmp/ecmp.dot" <<'PY'
import re, sys
t = open(sys.argv[1]).read()
red_nodes = set(re.findall(r'"([^"]+)" \[label="[^"]*", [^]]*color="#cc0000", penwidth=2.5', t))
red_edges = {tuple(sorted(e)) for e in re.findall(r'"([^"]+)" -- "([^"]+)" \[[^]]*color="#cc0000"', t)}
# e3's answers hashed onto spine2 die there too
assert red_nodes - {"e3-ecmp/spine2"} == {"ecmp/spine1", "e2-ecmp/spine2"}, red_nodes
assert red_edges == {("e3-ecmp/leaf3", "e3-ecmp/spine2")}, red_edges
PY
check "destroy the kept ECMP labs" "$NSRUN" destroy ecmp e2-ecmp e3-ecmp
expect_clean "after the ECMP diagnosis"

# a router's own firewall: its bridge's LAN still works (the bridge skips
# the router's netfilter), what it forwards is lost, and the chain is named
out=$("$NSRUN" test tests/scenarios/firewall.lua 2>&1); rc=$?
[ $rc = 1 ] && [[ $out == *"ok   the LAN's hosts reach each other across the router's bridge"* ]] \
  && pass "a LAN behind a bridge inside a firewalled router still works" || fail "bridge netfilter: exit $rc: $out"
[[ $out == *"FAIL what the router forwards is dropped"*"a firewall may drop it: fw-r's nftables: ip filter FORWARD (hook forward, policy drop)"* ]] \
  && pass "the firewall that drops is named" || fail "firewall diagnosis: $out"
expect_clean "after the firewall"

# TAP that prove reads
if command -v prove >/dev/null; then
  check "prove --exec 'nsrun test --tap' passes home.lua" \
    prove --exec "$NSRUN test --tap" scenarios/home.lua
  check "prove fails on missing-route.lua" bash -c \
    "! prove --exec '$NSRUN test --tap' tests/scenarios/missing-route.lua"
else
  fail "prove (perl) is not installed"
fi

# a scenario that cannot run: exit 2, nothing left
printf '%s\n' 'local lab = require("nsrun").lab "err2"' 'lab:router "e2-r"' 'error("boom")' >"$tmp/err.lua"
"$NSRUN" test "$tmp/err.lua" >"$tmp/out" 2>&1
rc=$?
[ $rc = 2 ] && grep -q "ERROR.*boom" "$tmp/out" && pass "a scenario that errors: exit 2" || fail "error scenario: exit $rc: $(cat "$tmp/out")"
expect_clean "after a scenario error"

# SIGINT during nsrun test: the lab is removed, exit 2
printf '%s\n' 'local lab = require("nsrun").lab "slow"' 'lab:router "sl-r"' \
  'lab:expect(lab.nodes["sl-r"]):does_not_reach "192.0.2.1"' 'while true do end' >"$tmp/slow.lua"
"$NSRUN" test "$tmp/slow.lua" >/dev/null 2>&1 &
pid=$!
sleep 0.3
kill -INT $pid
wait $pid
rc=$?
[ $rc = 2 ] && pass "Ctrl-C during nsrun test: exit 2" || fail "Ctrl-C: exit $rc"
expect_clean "after Ctrl-C"

# the prober agrees with iputils ping, both ways
"$NSRUN" test --keep --json "$tmp/k.json" tests/scenarios/missing-route.lua >/dev/null 2>&1
agree=0 disagree=0
while read -r src addr want; do
  if ip netns exec "$src" ping -n -c1 -W2 "$addr" >/dev/null 2>&1; then got=yes; else got=no; fi
  if [ "$got" = "$want" ]; then agree=$((agree + 1)); else disagree=$((disagree + 1)); echo "  $src -> $addr: nsrun $want, ping $got"; fi
done < <(python3 -c "
import json
d = json.load(open('$tmp/k.json'))
for r in d['scenarios'][0]['results']:
    bad = {(f['src'], f['addr']) for f in r['failures']}
    for f in r['failures']: print(f['src'], f['addr'], 'no' if r['expect'] == 'reaches' else 'yes')
" ; echo "h1-1 $(ip -n h2-1 -j -4 addr show eth0 | pyjson 'print(d[0]["addr_info"][0]["local"])') yes"
    echo "h2-1 $(ip -n h1-1 -j -4 addr show eth0 | pyjson 'print(d[0]["addr_info"][0]["local"])') yes"
    echo "h2-1 $(ip -n h3-1 -j -4 addr show eth0 | pyjson 'print(d[0]["addr_info"][0]["local"])') no"
    echo "h3-1 $(ip -n h1-1 -j -4 addr show eth0 | pyjson 'print(d[0]["addr_info"][0]["local"])') no")
[ $disagree = 0 ] && [ $agree -ge 5 ] && pass "nsrun and iputils ping agree on $agree pairs" \
  || fail "nsrun and ping disagree on $disagree pairs"
check "destroy the kept lab" "$NSRUN" destroy broken-route
expect_clean "after the prober and ping agree"

# The prober: many retries end (the count of echoes does not wrap), out of
# range is one clear error; two probers in one namespace never take each
# other's replies; when it cannot run (no file descriptors left), it says
# why.
cat >"$tmp/probe.lua" <<'LUA'
local lab = require("nsrun").lab "prb"
local a, b = lab:host "pr-a", lab:host "pr-b"
lab:link(a, b)
a:addr("eth0", "198.51.100.1/24"); b:addr("eth0", "198.51.100.2/24")
a:route("default", { dev = "eth0" })
local r = lab:expect(a):does_not_reach("203.0.113.7", { retries = 300, timeout_ms = 1 })
print("retries", r.ok, r.failures[1] == nil)
local ok, e = pcall(function() return lab:expect(a):reaches(b, { retries = 5000 }) end)
print("range", ok, tostring(e))
LUA
out=$(timeout 60 "$NSRUN" --rm "$tmp/probe.lua" 2>&1); rc=$?
[ $rc = 0 ] && [[ $out == *"retries	true	true"* ]] && pass "300 retries: the probe ends" || fail "300 retries: exit $rc: $out"
[[ $out == *"range	false	"*"probe.lua:8: retries 5000 is not 0..1000"* ]] && pass "5000 retries: one clear error at the script's line" \
  || fail "retries out of range: $out"
expect_clean "after the retries"

# two probers from pr-a: one sends echoes that come back, the other to an
# address that never answers; without a nonce of its own, the second would
# take the first's replies (same pair numbers) for its own
cat >"$tmp/lab.lua" <<'LUA'
local lab = require("nsrun").lab "nonce"
local a, b = lab:host "nc-a", lab:host "nc-b"
lab:link(a, b)
a:addr("eth0", "198.51.100.1/24"); b:addr("eth0", "198.51.100.2/24")
b:addr("eth0", "198.51.100.3/24")
b:sh "ip link set eth0 arp on"
LUA
cat >"$tmp/flood.lua" <<'LUA'
local core = require("nsrun").core
local ns = assert(core.open("nc-a"))
for _ = 1, 400 do core.probe({ ns }, { "198.51.100.2" }, { 1, 1 }, { timeout_ms = 200 }) end
LUA
cat >"$tmp/quiet.lua" <<'LUA'
local core = require("nsrun").core
local ns = assert(core.open("nc-a"))
local res = assert(core.probe({ ns }, { "198.51.100.9" }, { 1, 1 }, { timeout_ms = 1500, retries = 1 }))
print("quiet", res.ok)
LUA
"$NSRUN" "$tmp/lab.lua" >/dev/null 2>&1
"$NSRUN" "$tmp/flood.lua" >/dev/null 2>&1 &
flood=$!
out=$("$NSRUN" "$tmp/quiet.lua" 2>&1)
wait $flood
[[ $out == *"quiet	0"* ]] && pass "two probers in one namespace: the silent address stays silent" || fail "two probers: $out"
check "destroy nonce" "$NSRUN" destroy nonce
expect_clean "after two probers"

# no file descriptors left for the prober's sockets: its error, named
printf '%s\n' 'local lab = require("nsrun").lab "nofd"' 'local hs = {}' \
  'for i = 1, 14 do hs[i] = lab:host("nf" .. i) end' \
  'for i = 2, 14 do lab:link(hs[1], hs[i]) end' 'lab:autoaddr()' \
  'lab:expect(hs):reaches(hs)' >"$tmp/nofd.lua"
out=$(ulimit -n 48; "$NSRUN" test "$tmp/nofd.lua" 2>&1); rc=$?
[ $rc = 2 ] && [[ $out == *"Too many open files"* ]] && pass "out of file descriptors: said so ($(echo "$out" | grep -o '[^:]*: Too many open files' | head -1))" \
  || fail "out of file descriptors: exit $rc: $out"
expect_clean "at the end"
finish
