# Firewalls as the lab's own (node:nft): scenarios/dmz.lua's stateful
# firewall (ICMP, TCP, UDP) checked with iputils ping, nc and nft from
# outside (the LAN opens the DMZ's 443, not its 25; the DMZ opens nothing
# in the LAN; with the ruleset flushed the DMZ reaches the LAN again, so it
# was the firewall); nsrun's verdicts (open, refused, filtered,
# unreachable from fw) against nc's; the host's ruleset untouched; a
# ruleset nft rejects, and rules for the host's namespace, refused with one
# error at the script's line; nothing left.
. "$(dirname "$0")/lib.sh"

command -v nft >/dev/null || skip "nftables is not installed (apt-get install nftables)"
tmp=$(mktemp -d)
on_exit 'rm -rf "$tmp"'
host_rules=$(nft list ruleset)

out=$("$NSRUN" scenarios/dmz.lua 2>&1); rc=$?
[ $rc = 0 ] && [[ $out == *"12 passed, 0 failed"* ]] && pass "scenarios/dmz.lua: 12 expectations hold (ICMP, TCP, UDP)" || fail "dmz: exit $rc: $out"
for want in "tcp/443 (1 pair, 1 open" "(rejected) (1 pair, 1 unreachable)" "(dropped) (1 pair, 1 filtered)"; do
  [[ $out == *"$want"* ]] && pass "dmz.lua says: ...$want" || fail "dmz.lua does not say $want: $out"
done
command -v nc >/dev/null || skip "netcat-openbsd is not installed"
# the same verdicts with nc, a real listener in web's namespace each time
ncl() { ip netns exec "$1" nc -l "$2" "$3" >/dev/null 2>&1 & echo $!; }
pid=$(ncl web 198.51.100.80 443); sleep 0.3
check "nc -z: laptop opens web:443" ip netns exec laptop nc -z -w2 198.51.100.80 443
kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
pid=$(ncl web 198.51.100.80 25); sleep 0.3
check "nc -z: laptop does not open web:25 (rejected by fw)" bash -c "! ip netns exec laptop nc -z -w2 198.51.100.80 25"
kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
pid=$(ncl laptop 192.168.1.10 22); sleep 0.3
check "nc -z: web does not open laptop:22 (dropped by fw)" bash -c "! ip netns exec web nc -z -w1 192.168.1.10 22"
kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
# refused, and a real service probed as it is
cat >"$tmp/more.lua" <<'LUA'
local nsrun = require "nsrun"
local lab = nsrun.lab "svc"
local a, b = lab:host "svc-a", lab:host "svc-b"
lab:link(a, b)
a:addr("eth0", "192.0.2.1/24"); b:addr("eth0", "192.0.2.2/24")
lab:expect(a):connects(b, { tcp = 7, listen = false, name = "nothing listens: refused" })
b:spawn { "nc", "-l", "-k", "192.0.2.2", "8080" }
b:sh "until ss -Hltn sport = :8080 | grep -q .; do sleep 0.05; done"
lab:expect(a):does_not_connect(b, { tcp = 8080, name = "a real service answers" })
lab:expect(a):connects(b, { udp = 9, listen = false, name = "udp: port unreachable" })
lab:expect(a):connects("192.0.2.99", { tcp = 80, timeout_ms = 300, retries = 0, name = "nobody there" })
LUA
out=$("$NSRUN" test "$tmp/more.lua" 2>&1); rc=$?
[ $rc = 1 ] && [[ $out == *"nothing listens: refused (1 pair, 1 failed, 1 refused)"* ]] \
  && [[ $out == *"svc-a -> svc-b (192.0.2.2): refused: a TCP reset"* ]] \
  && pass "nothing listening, listen = false: refused, a TCP reset" || fail "refused: exit $rc: $out"
[[ $out == *"it connected in "*" ms (a service listens on tcp/8080)"* ]] \
  && pass "a service listening (nc -l): probed as it is, named so" || fail "real service: $out"
[[ $out == *"refused: port unreachable (from svc-b)"* ]] \
  && pass "UDP to a closed port: refused, ICMP port unreachable from svc-b" || fail "udp refused: $out"
[[ $out == *"nobody there"*"1 unreachable"* ]] || [[ $out == *"nobody there"*"1 filtered"* ]] \
  && pass "an address nobody has: unreachable (no neighbour) or filtered" || fail "nobody: $out"
check "nft in fw lists the lab's table inet filter, forward policy drop" bash -c \
  "ip netns exec fw nft list table inet filter | grep -q 'hook forward priority filter; policy drop;'"
[ "$(nft list ruleset)" = "$host_rules" ] && pass "the host's ruleset is untouched" || fail "the host's ruleset changed"
check "laptop pings web (iputils ping)" ip netns exec laptop ping -n -c1 -W2 198.51.100.80
check "web does not ping laptop" bash -c "! ip netns exec web ping -n -c1 -W1 192.168.1.10"
check "the rule 'dmz to lan: dropped' counted packets" bash -c \
  "ip netns exec fw nft list chain inet filter forward | grep 'dmz to lan' | grep -qv 'packets 0 '"
check "with fw's ruleset flushed, web pings laptop: the firewall was the cause" bash -c \
  "ip netns exec fw nft flush ruleset && ip netns exec web ping -n -c1 -W2 192.168.1.10"
check "nsrun destroy dmz" "$NSRUN" destroy dmz

cat >"$tmp/bad.lua" <<'LUA'
local lab = require("nsrun").lab "badfw"
local r = lab:router "bfw-r"
r:nft [[
table ip filter {
  chain forward { type filter hook nosuch priority 0; }
}
]]
LUA
out=$("$NSRUN" "$tmp/bad.lua" 2>&1); rc=$?
[ $rc = 1 ] && [[ $out == *"bad.lua:3: nft in bfw-r: Error: unknown chain hook"* ]] \
  && pass "a ruleset nft rejects: exit 1, at the script's line, nft's message" || fail "bad ruleset: exit $rc: $out"
cat >"$tmp/host.lua" <<'LUA'
local lab = require("nsrun").lab "hostfw"
lab.root:nft "add table ip nsrun_test"
LUA
out=$("$NSRUN" "$tmp/host.lua" 2>&1); rc=$?
[ $rc = 1 ] && [[ $out == *"host.lua:2: nft in host: nsrun loads rules only into the namespaces the lab made"* ]] \
  && pass "rules for the host's namespace: refused" || fail "host rules: exit $rc: $out"
[ "$(nft list ruleset)" = "$host_rules" ] && pass "the host's ruleset is still untouched" || fail "the host's ruleset changed"
expect_clean "after firewalls"
finish
