# Firewalls as the lab's own (node:nft): scenarios/dmz.lua's stateful
# firewall checked with iputils ping and nft from outside (the LAN opens
# the DMZ, not the other way; with the ruleset flushed the DMZ reaches the
# LAN again, so it was the firewall); the host's ruleset untouched; a
# ruleset nft rejects, and rules for the host's namespace, refused with one
# error at the script's line; nothing left.
. "$(dirname "$0")/lib.sh"

command -v nft >/dev/null || skip "nftables is not installed (apt-get install nftables)"
tmp=$(mktemp -d)
on_exit 'rm -rf "$tmp"'
host_rules=$(nft list ruleset)

out=$("$NSRUN" scenarios/dmz.lua 2>&1); rc=$?
[ $rc = 0 ] && [[ $out == *"4 passed, 0 failed"* ]] && pass "scenarios/dmz.lua: 4 expectations hold" || fail "dmz: exit $rc: $out"
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
