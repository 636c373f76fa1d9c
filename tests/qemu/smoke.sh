# The check tests/qemu/run runs in the VM when it is given no command
# (sh is dash, Debian's stock kernel): the modules a lab needs are loaded,
# netem and tbf work as the kernel does them (with tc, independently of
# nsrun), nsrun test passes the repo's scenarios and fails a broken one with
# status 1, and nothing is left behind.
passes=0 fails=0
ok() { echo "ok: $*"; passes=$((passes + 1)); }
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
# check DESCRIPTION COMMAND...: passes when the command succeeds
check() {
  what=$1; shift
  if "$@"; then ok "$what"; else fail "$what"; fi
}
# avg_rtt NETNS ADDRESS: the average ping RTT in whole ms, empty if none came back
avg_rtt() {
  ip netns exec "$1" ping -n -q -c 5 -i 0.2 -W 2 "$2" 2>/dev/null |
    awk -F/ '/^rtt|^round-trip/ { print int($5) }'
}
between() { [ -n "$1" ] && [ "$1" -ge "$2" ] && [ "$1" -le "$3" ]; }

echo "kernel $(uname -r)"
for m in veth bridge sch_netem sch_tbf; do
  check "module $m is loaded" grep -q "^$m " /proc/modules
done

# netem and tbf, with iproute2 only: a veth pair between two namespaces
ip netns add qa && ip netns add qb &&
  ip -n qa link add q0 type veth peer name q1 netns qb &&
  ip -n qa addr add 10.99.0.1/24 dev q0 && ip -n qb addr add 10.99.0.2/24 dev q1 &&
  ip -n qa link set q0 up && ip -n qb link set q1 up
check "a veth pair between two namespaces answers ping" \
  ip netns exec qa ping -n -q -c 1 -W 5 10.99.0.2
base=$(avg_rtt qa 10.99.0.2)
check "tc qdisc add ... netem delay 50ms" tc -n qa qdisc add dev q0 root netem delay 50ms
rtt=$(avg_rtt qa 10.99.0.2)
check "netem delay 50ms one way: RTT ${rtt:-none} ms (without: ${base:-none} ms)" between "$rtt" 48 500
check "tc qdisc change ... netem loss 100%" tc -n qa qdisc change dev q0 root netem loss 100%
check "netem loss 100%: no reply" test -z "$(avg_rtt qa 10.99.0.2)"
check "tc qdisc replace ... tbf rate 1mbit" \
  tc -n qa qdisc replace dev q0 root tbf rate 1mbit burst 32kbit latency 400ms
check "tc qdisc show names tbf" test "$(tc -n qa qdisc show dev q0 | cut -d' ' -f2)" = tbf
ip netns del qa; ip netns del qb

# nsrun on the stock kernel
for s in /scenarios/levels.lua /scenarios/home.lua /scenarios/datacenter.lua; do
  t0=$(cut -d' ' -f1 /proc/uptime)
  nsrun test "$s"
  st=$?
  t1=$(cut -d' ' -f1 /proc/uptime)
  check "nsrun test $s exits 0 (got $st, $(awk "BEGIN { print $t1 - $t0 }") s)" test "$st" = 0
done
# forwarding on a host that does not forward, and on one that does (new
# namespaces copy net.ipv4.ip_forward): the same results
for v in 0 1; do
  sysctl -qw net.ipv4.ip_forward=$v
  nsrun test /tests/scenarios/forwarding.lua
  st=$?
  check "nsrun test forwarding.lua with the host's ip_forward=$v exits 0 (got $st)" test "$st" = 0
done
sysctl -qw net.ipv4.ip_forward=0
nsrun test /tests/scenarios/missing-route.lua
st=$?
check "nsrun test missing-route.lua exits 1 (got $st)" test "$st" = 1

# nsrun's impairments on a kernel with netem: delay (RTT = 2 x delay),
# loss within tolerance, every setting read back, tbf with netem under it
nsrun --rm /tests/scenarios/netem.lua
st=$?
check "nsrun --rm netem.lua: the impairment checks pass (got $st)" test "$st" = 0

# VLANs (router-on-a-stick), VRFs, a rule, dummy, bond, VXLAN, macvlan,
# read back with ip -d -j and bridge -j, and pinged
# --wait: on this kernel too, nsrun sees when the kernel has freed the lab
nsrun --rm --wait /tests/scenarios/devices.lua 2>/tmp/devices.err
st=$?
check "nsrun --rm --wait devices.lua: the device checks pass (got $st)" test "$st" = 0
check "--wait: the kernel freed the lab, and nsrun saw it ($(grep -m1 'freeing\|cannot wait' /tmp/devices.err))" \
  sh -c "! grep -q 'freeing\|cannot wait' /tmp/devices.err"

# attach by PID, IPv6, a bridge in a node, exec and spawn (kernel.lua)
unshare -n sleep 300 &
other=$!
# until unshare has made its namespace (a PID still in ours must not be attached)
for _ in $(seq 250); do
  [ "$(readlink /proc/$other/ns/net)" != "$(readlink /proc/$$/ns/net)" ] && break
  sleep 0.02
done
nsrun --rm /tests/qemu/kernel.lua pid=$other
st=$?
check "nsrun --rm kernel.lua exits 0 (got $st)" test "$st" = 0
check "the attached process still runs" kill -0 "$other"
check "its namespace lost the links nsrun made" \
  test "$(nsenter -t "$other" -n ip -o link | wc -l)" = 1
check "the spawned sleep ended with the lab" \
  test "$(pidof sleep)" = "$other"
kill "$other"; wait "$other" 2>/dev/null

check "nothing left in /run/netns" test -z "$(ls -A /run/netns 2>/dev/null)"
check "no network namespace listed" test -z "$(ip netns list)"
check "only lo in the VM's namespace" test "$(ip -o link show | cut -d: -f2 | tr -d ' ')" = lo

echo "qemu smoke: $passes passed, $fails failed"
[ "$fails" = 0 ]
