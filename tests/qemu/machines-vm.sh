#!/usr/bin/env bash
# The driver of tests/machines/cases.sh in VM m1 of tests/qemu/machines.sh:
# the machines are VMs (m1 this one, m2, m3), each with its own kernel,
# reached by ssh over the underlay (198.51.100.0/24); m9 does not answer.
cd /
. /tests/integration/lib.sh

work=$(mktemp -d)
declare -A ADDR=([m1]=198.51.100.1 [m2]=198.51.100.2 [m3]=198.51.100.3)
export NSRUN_REMOTE=/run/nsrun-test/nsrun

on() {
  local m=$1 a q=
  shift
  for a in "$@"; do q="$q '${a//\'/\'\\\'\'}'"; done
  ssh "$m" "$q"
}
busy() { on "$1" pidof nsrun; }
# m's kernel stops at once, as if the VM lost power
lose() { timeout 10 ssh "$1" "echo o >/proc/sysrq-trigger" >/dev/null 2>&1; sleep 2; true; }

. /tests/machines/cases.sh
finish
