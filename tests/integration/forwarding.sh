# Forwarding as iproute2 and sysctl see it: a router's namespace forwards
# (net.ipv4.ip_forward 1, every interface), a host's does not; a user's own
# forwarding sysctl, before or after the links, through nsrun or sysctl -w
# in the node, takes effect as it would in `ip netns exec` (the cases of
# tests/scenarios/forwarding.lua, here on this host's net.ipv4.ip_forward;
# tests/qemu/smoke.sh runs them with 0 and with 1).
. "$(dirname "$0")/lib.sh"

echo "the host's net.ipv4.ip_forward: $(sysctl -n net.ipv4.ip_forward) (new namespaces copy it)"
check "nsrun test tests/scenarios/forwarding.lua" "$NSRUN" test tests/scenarios/forwarding.lua
expect_clean "after the forwarding scenario"

# the same, kept, and read independently
"$NSRUN" test --keep tests/scenarios/forwarding.lua >/dev/null 2>&1
check "fwd-r: ip_forward 1" test "$(ip netns exec fwd-r sysctl -n net.ipv4.ip_forward)" = 1
check "fwd-r: ip netconf says every interface forwards" bash -c \
  "ip -n fwd-r -4 netconf show | grep -v ' lo ' | grep -q ' forwarding on' && ! ip -n fwd-r -4 netconf show | grep -q ' forwarding off'"
check "fwd-h: ip_forward 0, no interface forwards" bash -c \
  "[ \$(ip netns exec fwd-h sysctl -n net.ipv4.ip_forward) = 0 ] && ! ip -n fwd-h -4 netconf show | grep -q ' forwarding on'"
check "fwd-n4: conf.all.forwarding 0 again, eth0 and eth1 off" bash -c \
  "ip -n fwd-n4 -4 netconf show dev eth0 | grep -q ' forwarding off' && ip -n fwd-n4 -4 netconf show dev eth1 | grep -q ' forwarding off'"
check "fwd-n5 (sysctl -w in the node): eth0 and eth1 forward" bash -c \
  "ip -n fwd-n5 -4 netconf show dev eth0 | grep -q ' forwarding on' && ip -n fwd-n5 -4 netconf show dev eth1 | grep -q ' forwarding on'"
check "destroy the kept lab" "$NSRUN" destroy fwd
expect_clean "at the end"
finish
