#!/usr/bin/env bash
# One lab across machines (nsrun --hosts) on "machines" made of namespaces:
# each has its own network namespace, its own mount namespace (its own
# /run: /run/netns, /run/nsrun, /run/sshd) and its own sysfs, and runs
# OpenSSH's sshd; a bridge, the underlay, joins them and the controller
# (this test's namespace, 198.51.100.254).  They share one kernel: the VM
# test (tests/qemu/machines.sh) runs the same checks
# (tests/machines/cases.sh) on machines with a kernel each.
cd "$(dirname "$0")/../.."
. tests/integration/lib.sh

. tests/machines/netns.sh
for i in 1 2 3; do machine "$i" || exit 1; done
. tests/machines/cases.sh

# FRR in the routers across machines (the VMs carry no FRR): eBGP over the
# VXLAN links, vtysh reached through nsrun --hosts exec
run --hosts m1,m2 scenarios/datacenter.lua routing=bgp daemon=frr
check "eBGP with FRR over m1,m2: every host reaches every host" said "$rc" 0 "$out" "16 nodes reach 16 nodes"
check "eBGP with FRR over m1,m2: every session Established" said "$rc" 0 "$out" "every BGP session is Established"
check "vtysh in spine1 (nsrun --hosts exec): four neighbours" \
  said 0 0 "$("$NSRUN" --hosts m1,m2 exec dc spine1 -- vtysh -c 'show bgp summary' 2>&1)" "Total number of neighbors 4"
run --hosts m1,m2 destroy dc
check "no namespace, lab or nsrun left on m1 and m2" wait_empty m1 m2
finish
