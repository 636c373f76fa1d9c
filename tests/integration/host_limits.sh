# The host-wide neighbour table limits (net.ipv4/ipv6.neigh.default.
# gc_thresh1/2/3) exist only in the initial network namespace: this test
# runs there (NSRUN_TEST_HOST), with labs whose names no other test uses.
# A lab that needs more entries than the host allows raises them, says so,
# and destroying the last lab puts them back.
NSRUN_TEST_HOST=1
. "$(dirname "$0")/lib.sh"

tmp=$(mktemp -d)
on_exit 'rm -rf "$tmp"'
g="net.ipv4.neigh.default.gc_thresh"
before=$(sysctl -n ${g}1 ${g}2 ${g}3 | tr '\n' ' ')
[ -z "$LABS_BEFORE" ] || skip "other labs are up on this host: their limits would stay raised"
[ "$(sysctl -n ${g}3)" -lt 1200 ] || skip "gc_thresh3 is $(sysctl -n ${g}3) here: a 24-host segment needs no raise"
printf '%s\n' 'local lab = require("nsrun").lab("gcbig", { prefix = "hl-" })' 'lab:star(24)' \
  'lab:autoaddr(); lab:autoroute()' >"$tmp/gcbig.lua"
out=$("$NSRUN" "$tmp/gcbig.lua" 2>&1)
[[ $out == *"raised the neighbour table limits"* ]] && [ "$(sysctl -n ${g}3)" -ge 1200 ] \
  && pass "a 24-host segment raises gc_thresh3 to $(sysctl -n ${g}3), and says so" \
  || fail "gc_thresh not raised: $(sysctl -n ${g}3): $out"
check "nsrun destroy hl-gcbig" "$NSRUN" destroy hl-gcbig
after=$(sysctl -n ${g}1 ${g}2 ${g}3 | tr '\n' ' ')
[ "$after" = "$before" ] && pass "the last lab destroyed: gc_thresh1/2/3 back to $after" \
  || fail "gc_thresh1/2/3 $after, were $before"
expect_clean "after the neighbour limits"
finish
