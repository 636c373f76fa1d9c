# Link impairments: a rate limit (tbf) measured with iperf3 within 15 % of
# the limit, set from the script and changed at run time with
# `nsrun impair`; read back with tc; removed.  netem (delay, loss, ...):
# checked by tests/scenarios/netem.lua where the kernel has it (here, or in
# Debian's kernel under qemu: tests/qemu/run), else its clear error.
. "$(dirname "$0")/lib.sh"

tmp=$(mktemp -d)
server=
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$tmp"; }
on_exit cleanup

cat >"$tmp/rate.lua" <<'LUA'
local lab = require("nsrun").lab "rate"
local a, b = lab:host "rt-a", lab:host "rt-b"
lab:link(a, b, { rate = "20mbit" })
a:addr("eth0", "198.51.100.1/24")
b:addr("eth0", "198.51.100.2/24")
LUA
check "a link made with rate=20mbit" "$NSRUN" "$tmp/rate.lua"
check "tc shows tbf rate 20Mbit on both ends" bash -c \
  "tc -n rt-a qdisc show dev eth0 | grep -q 'tbf 1: root .*rate 20Mbit' && tc -n rt-b qdisc show dev eth0 | grep -q 'rate 20Mbit'"

# iperf3 server in rt-b (one test at a time), client in rt-a: bits/s received
measure() {
  ip netns exec rt-b iperf3 -s -1 -B 198.51.100.2 >/dev/null 2>&1 &
  server=$!
  for _ in $(seq 100); do   # until it listens
    ip netns exec rt-b ss -Hltn 'sport = :5201' | grep -q . && break
    sleep 0.05
  done
  ip netns exec rt-a iperf3 -c 198.51.100.2 -t 3 -J 2>/dev/null \
    | pyjson 'print(int(d["end"]["sum_received"]["bits_per_second"]))'
  wait "$server" 2>/dev/null
  server=
}
within() {  # within WHAT MEASURED LIMIT: |measured - limit| <= 15 %
  if [ -n "$2" ] && [ "$2" -ge $(($3 * 85 / 100)) ] && [ "$2" -le $(($3 * 115 / 100)) ]; then
    pass "$1: $(($2 / 1000)) kbit/s for a limit of $(($3 / 1000)) kbit/s"
  else fail "$1: measured '${2:-nothing}' bit/s for a limit of $3"; fi
}
within "iperf3 through rate=20mbit" "$(measure)" 20000000
out=$("$NSRUN" impair rate rt-a eth0 rate=5mbit 2>&1)
[[ $out == "rt-a eth0: rate 5mbit" ]] && pass "nsrun impair rate rt-a eth0 rate=5mbit: $out" || fail "impair: $out"
within "iperf3 after nsrun impair rate=5mbit at run time" "$(measure)" 5000000
check "nsrun inspect shows the impairment" bash -c "'$NSRUN' inspect rate rt-a | grep -q 'rate 5mbit'"
check "nsrun impair ... clear" "$NSRUN" impair rate rt-a eth0 clear
check "cleared: the device's default qdisc is back" bash -c "! tc -n rt-a qdisc show dev eth0 | grep -q tbf"

# bad values: usage errors, nothing changed
out=$("$NSRUN" impair rate rt-a eth0 rate=fast 2>&1); rc=$?
[ $rc = 2 ] && [[ $out == *'rate "fast": a rate like 10mbit'* ]] && pass "a bad rate: exit 2, $out" || fail "bad rate: $rc $out"
out=$("$NSRUN" impair rate rt-a eth0 loss=150% 2>&1); rc=$?
[ $rc = 2 ] && [[ $out == *"over 100%"* ]] && pass "loss over 100%: exit 2" || fail "loss 150%: $rc $out"
out=$("$NSRUN" impair rate rt-a eth9 rate=1mbit 2>&1); rc=$?
[ $rc = 1 ] && [[ $out == *"eth9"* ]] && pass "an unknown interface: exit 1, $out" || fail "eth9: $rc $out"
out=$("$NSRUN" impair rate nosuch eth0 rate=1mbit 2>&1); rc=$?
[ $rc = 1 ] && [[ $out == *"no node nosuch"* ]] && pass "an unknown node: exit 1" || fail "nosuch: $rc $out"
check "nsrun destroy rate" "$NSRUN" destroy rate

# netem: checked where the kernel has it; elsewhere one clear error
out=$("$NSRUN" --rm tests/scenarios/netem.lua prefix=t- 2>&1); rc=$?
if [ $rc = 0 ]; then pass "netem: delay, loss and read-back checks passed: $(echo "$out" | grep -c '^ok') ok"
elif [[ $out == *"this kernel has no netem (sch_netem)"* ]] && [[ $out == *"status 77"* ]]; then
  pass "no netem in this kernel: said so clearly (tests/qemu/run checks netem on Debian's kernel)"
else fail "netem: exit $rc: $out"; fi
expect_clean
finish
