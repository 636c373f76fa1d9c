# nsrun test: exit codes, the diagnosis of broken paths, TAP (read by
# prove), JUnit XML and JSON; the prober agrees with iputils ping.
. "$(dirname "$0")/lib.sh"

tmp=$(mktemp -d)
on_exit 'rm -rf "$tmp"'

check "nsrun test home.lua levels.lua: exit 0" "$NSRUN" test scenarios/home.lua scenarios/levels.lua
expect_clean "after a passing test"

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
expect_clean "at the end"
finish
