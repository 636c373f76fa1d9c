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
finish
